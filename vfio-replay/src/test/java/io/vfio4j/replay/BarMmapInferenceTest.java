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
                                                + " the trace announced (vfio_region_mmap): treated"
                                                + " as device memory (mapped, never charged):"
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
}
