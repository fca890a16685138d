package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without --memory, a region_add of the size of a BAR mmap the trace announced before ({@code
 * vfio_region_mmap}, docs/replay.md) is device memory: mapped, not charged.
 */
class BarMmapInferenceTest {
    @TempDir Path dir;

    private ReplaySummary replay(String text) throws Exception {
        Path f = dir.resolve("t.log");
        Files.writeString(f, text);
        return Replay.prepare(
                        f, Optional.empty(), ReplayOptions.defaults().withInvariantChecks(true))
                .run(ReplayListener.NONE);
    }

    @Test
    void aBarSizedMapAfterTheMmapIsDeviceMemory() throws Exception {
        // RAM: 0x0-0x9ffff, 160 pages. BAR 0: a 16 MiB mmap, then its region_add of 16 MiB at a
        // guest BAR address: mapped (2 calls replayed), charged nothing. locked_vm: 160 pages.
        ReplaySummary s =
                replay(
                        "vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f0000000000]\n"
                                + "vfio_region_mmap Region 0000:01:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0000000 -"
                                + " 0xf0ffffff [0x7f1000000000]\n");
        assertThat(s.replayed()).isEqualTo(2);
        assertThat(s.finalLockedVmPages()).isEqualTo(160);
        assertThat(s.warnings())
                .anyMatch(
                        w ->
                                w.contains(
                                        "1 mapped host range(s) have the size of a BAR mmap"
                                                + " the trace announced (vfio_region_mmap), whole or"
                                                + " in pieces around a hole: treated as device"
                                                + " memory (mapped, never charged):"
                                                + " 0x7f1000000000 +0x1000000"));
    }

    @Test
    void theSameSizeWithoutAnAnnouncedMmapIsGuessedAsRam() throws Exception {
        // No vfio_region_mmap line: the 16 MiB range is guessed as RAM, 4,096 pages + 160.
        ReplaySummary s =
                replay(
                        "vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f0000000000]\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0000000 -"
                                + " 0xf0ffffff [0x7f1000000000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(4_256);
    }

    @Test
    void aBarSizedMapInsideRamAlreadySeenStaysRam() throws Exception {
        // 32 MiB of RAM mapped first, then a 16 MiB mmap, then 16 MiB of that same RAM mapped
        // again at another IOVA: it lies in RAM already seen, so it is RAM: 8,192 + 4,096 pages
        // (type1 charges each mapping).
        ReplaySummary s =
                replay(
                        "vfio_listener_region_add_ram region_add [ram] 0x0 - 0x1ffffff [0x7f0000000000]\n"
                                + "vfio_region_mmap Region 0000:01:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0x10000000 -"
                                + " 0x10ffffff [0x7f0000000000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(12_288);
    }

    private static final String RAM_160 =
            "vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f0000000000]\n";
    private static final String MMAP_16M =
            "vfio_region_mmap Region 0000:01:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]\n";

    @Test
    void aBarMappedInPiecesAroundItsMsixTableIsDeviceMemory() throws Exception {
        // BAR 0 at 0xf0000000 in two pieces around a 4 KiB hole at 0xf0006000; vaddr - iova is
        // 0x7f1000000000 - 0xf0000000 for both; the span 0xf0000000..0xf0ffffff is the mmap's 16
        // MiB, aligned to 16 MiB. Only the RAM's 160 pages are charged.
        ReplaySummary s =
                replay(
                        RAM_160
                                + MMAP_16M
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0000000 -"
                                + " 0xf0005fff [0x7f1000000000]\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0007000 -"
                                + " 0xf0ffffff [0x7f1000007000]\n");
        assertThat(s.replayed()).isEqualTo(3);
        assertThat(s.finalLockedVmPages()).isEqualTo(160);
    }

    @Test
    void piecesWithDifferentOffsetsAreNotOneBar() throws Exception {
        // The second piece's vaddr is 0x1000 off the first's offset: two RAM guesses, 6 + 4,089
        // pages + 160.
        ReplaySummary s =
                replay(
                        RAM_160
                                + MMAP_16M
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0000000 -"
                                + " 0xf0005fff [0x7f1000000000]\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0007000 -"
                                + " 0xf0ffffff [0x7f1000008000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(160 + 6 + 4_089);
    }

    @Test
    void piecesNotAlignedToTheirSpanAreNotOneBar() throws Exception {
        // The same 16 MiB span at 0xf0800000, which is not 16 MiB aligned: RAM, 6 + 4,089 + 160.
        ReplaySummary s =
                replay(
                        RAM_160
                                + MMAP_16M
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0800000 -"
                                + " 0xf0805fff [0x7f1000000000]\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0xf0807000 -"
                                + " 0xf17fffff [0x7f1000007000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(160 + 6 + 4_089);
    }

    @Test
    void ramSplitAroundTheVgaHoleAtIovaZeroStaysRamEvenWithAnEqualBarMmap() throws Exception {
        // pc.ram below 1 MiB split around 0xa0000-0xbffff, one offset, span 0x0..0xfffff = 1 MiB,
        // and a 1 MiB BAR mmap announced: IOVA 0 is RAM, never a BAR. 160 + 64 pages charged.
        ReplaySummary s =
                replay(
                        "vfio_region_mmap Region 0000:01:00.0 BAR 2 mmaps[0] [0x0 - 0xfffff]\n"
                                + RAM_160
                                + "vfio_listener_region_add_ram region_add [ram] 0xc0000 -"
                                + " 0xfffff [0x7f00000c0000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(224);
    }

    @Test
    void aBarWhoseFirstPieceIsTheSkippedMsixTableIsDeviceMemory() throws Exception {
        // As QEMU 7.2 maps an e1000e's BAR 3 (16 KiB, MSI-X table at offset 0, 5 entries): the
        // table 0xfebe0000-0xfebe004f is skipped, the rest of its page is a sub-page remainder the
        // listener does not map, and 0xfebe1000-0xfebe3fff is mapped. The window 0xfebe0000 +16 KiB
        // (aligned) is covered but for 0xfb0 bytes: device memory. Only the RAM's 160 pages.
        String bar3 =
                "vfio_region_mmap Region 0000:00:02.0 BAR 3 mmaps[0] [0x0 - 0x3fff]\n"
                        + "vfio_listener_region_add_skip SKIPPING region_add 0xfebe0000 - 0xfebe004f\n"
                        + "vfio_listener_region_add_ram region_add [ram] 0xfebe1000 - 0xfebe3fff"
                        + " [0x7f0e96c5a000]\n";
        ReplaySummary s = replay(RAM_160 + bar3);
        assertThat(s.finalLockedVmPages()).isEqualTo(160);
        // Without the skip line nothing explains the missing first page: RAM, 160 + 3.
        ReplaySummary noSkip =
                replay(RAM_160 + bar3.replace("vfio_listener_region_add_skip", "x_unrelated"));
        assertThat(noSkip.finalLockedVmPages()).isEqualTo(163);
    }

    @Test
    void aSkippedSectionDoesNotTurnRamWithALargeGapIntoABar() throws Exception {
        // 2 GiB of RAM at 4 GiB, a 4 GiB BAR mmap announced and a skipped section at 6 GiB: the
        // window 4..8 GiB has a 2 GiB gap the pieces do not cover, so it stays RAM (524,288 pages).
        ReplaySummary s =
                replay(
                        "vfio_region_mmap Region 0000:01:00.0 BAR 1 mmaps[0] [0x0 - 0xffffffff]\n"
                                + "vfio_listener_region_add_skip SKIPPING region_add 0x180000000 -"
                                + " 0x180000fff\n"
                                + "vfio_listener_region_add_ram region_add [ram] 0x100000000 -"
                                + " 0x17fffffff [0x7f0000000000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(524_288);
    }

    @Test
    void aBarSizedMapInTheFirstMibIsRamNotABar() throws Exception {
        // As in QEMU 7.2's q35 boot: pc.rom (0xc0000-0xdffff, 128 KiB) is mapped after an
        // e1000e's 128 KiB BAR mmaps were announced, from its own host block. The first MiB holds
        // no PCI memory BAR: it is RAM, 160 + 32 pages.
        ReplaySummary s =
                replay(
                        "vfio_region_mmap Region 0000:00:02.0 BAR 0 mmaps[0] [0x0 - 0x1ffff]\n"
                                + RAM_160
                                + "vfio_listener_region_add_ram region_add [ram] 0xc0000 -"
                                + " 0xdffff [0x7f0e96a00000]\n");
        assertThat(s.finalLockedVmPages()).isEqualTo(192);
    }
}
