package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --memory} files: QEMU's {@code info ramblock} (laid out as {@code ram_block_format} prints
 * it, QEMU 8.0 and later) and the YAML block list; bad files name file, line and column.
 */
class MemoryFilesTest {
    @TempDir Path dir;

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void infoRamblockGivesEachBlockItsHostAddressUsedSizePageSizeAndKind() throws Exception {
        Path f =
                file(
                        "ramblock.txt",
                        """
                        (qemu) info ramblock
                                      Block Name    PSize              Offset               Used              Total                HVA  RO
                                          mem0    2 MiB  0x0000000000000000 0x0000000100000000 0x0000000100000000 0x00007fcaa7e00000  rw
                                        pc.bios    4 KiB  0x0000000100000000 0x0000000000040000 0x0000000000040000 0x00007fcbb4400000  ro
                        0000:84:00.0 BAR 0 mmaps[0]    4 KiB  0x0000000100200000 0x0000000001000000 0x0000000001000000 0x00007f691e800000  rw
                        """);
        MemoryLayout m = MemoryFiles.read(f, 4096);
        assertThat(m.origin()).isEqualTo("info ramblock ramblock.txt");
        assertThat(m.blocks())
                .containsExactly(
                        new MemoryBlock(
                                "0000:84:00.0 BAR 0 mmaps[0]",
                                0x7f691e800000L,
                                16L << 20,
                                4096,
                                MemoryBlock.Kind.DEVICE),
                        new MemoryBlock(
                                "mem0", 0x7fcaa7e00000L, 4L << 30, 2L << 20, MemoryBlock.Kind.RAM),
                        new MemoryBlock(
                                "pc.bios", 0x7fcbb4400000L, 256 << 10, 4096, MemoryBlock.Kind.ROM));
    }

    @Test
    void anInfoRamblockWithoutTheHvaColumnIsRefusedWithItsLine() throws Exception {
        Path f =
                file(
                        "old.txt",
                        """
                                      Block Name    PSize              Offset               Used              Total
                                          pc.ram    4 KiB  0x0000000000000000 0x0000000040000000 0x0000000040000000
                        """);
        assertThatThrownBy(() -> MemoryFiles.read(f, 4096))
                .isInstanceOf(ReplayInputException.class)
                .hasMessage(
                        f
                                + ":1:1: this 'info ramblock' has no HVA column (QEMU before 8.0):"
                                + " describe the blocks as YAML instead");
    }

    @Test
    void yamlBlocksDefaultTheirPageSizeAndKind() throws Exception {
        Path f = file("m.yaml", "- {name: ram, hva: 0x7f0000000000, size: 1GiB}\n");
        assertThat(MemoryFiles.read(f, 4096).blocks())
                .containsExactly(
                        new MemoryBlock(
                                "ram", 0x7f0000000000L, 1L << 30, 4096, MemoryBlock.Kind.RAM));
    }

    @Test
    void badYamlIsRefusedWithFileLineAndColumn() throws Exception {
        Path unknown = file("u.yaml", "- {name: ram, hva: 0x1000, size: 4KiB, szie: 1}\n");
        assertThatThrownBy(() -> MemoryFiles.read(unknown, 4096))
                .hasMessage(
                        unknown
                                + ":1:40: unknown key; allowed keys: name, hva, size, page_size,"
                                + " kind");
        Path missing = file("s.yaml", "- {name: ram, hva: 0x1000}\n");
        assertThatThrownBy(() -> MemoryFiles.read(missing, 4096))
                .hasMessage(missing + ":1:3: missing key 'size'");
        Path overlap =
                file(
                        "o.yaml",
                        "- {name: a, hva: 0x1000, size: 8KiB}\n- {name: b, hva: 0x2000, size: 4KiB}\n");
        assertThatThrownBy(() -> MemoryFiles.read(overlap, 4096))
                .hasMessage(overlap + ":1:1: blocks a and b overlap");
        Path notYaml = file("n.yaml", "- {name: [\n");
        assertThatThrownBy(() -> MemoryFiles.read(notYaml, 4096))
                .isInstanceOf(ReplayInputException.class)
                .message()
                .startsWith(notYaml + ":2:1: not YAML: ");
        assertThatThrownBy(() -> MemoryFiles.read(dir.resolve("none.yaml"), 4096))
                .isInstanceOf(ReplayInputException.class)
                .message()
                .startsWith("cannot read " + dir.resolve("none.yaml"));
    }
}
