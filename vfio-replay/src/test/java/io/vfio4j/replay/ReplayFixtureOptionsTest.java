package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.IommuType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture options change the answers as the kernel would. The small traces here are built from
 * QEMU's format strings; the real ones are in {@link RealTracesTest}.
 */
class ReplayFixtureOptionsTest {
    @TempDir Path dir;

    private static final String THREE_MAPS =
            """
            vfio_listener_region_add_ram region_add [ram] 0x0 - 0x3fff [0x7f0000000000]
            vfio_listener_region_add_ram region_add [ram] 0x4000 - 0x7fff [0x7f0000004000]
            vfio_listener_region_add_ram region_add [ram] 0x8000 - 0xbfff [0x7f0000008000]
            """;

    private List<CallResult> calls;

    private ReplaySummary replay(String trace, ReplayOptions options) throws Exception {
        return replay(trace, Optional.empty(), options);
    }

    private ReplaySummary replay(String trace, Optional<MemoryLayout> memory, ReplayOptions options)
            throws Exception {
        Path f = dir.resolve("t.log");
        Files.writeString(f, trace);
        calls = new ArrayList<>();
        return Replay.prepare(f, memory, options.withInvariantChecks(true))
                .run(
                        new ReplayListener() {
                            @Override
                            public void call(CallResult r) {
                                calls.add(r);
                            }
                        });
    }

    @Test
    void anMdevOnlyContainerHasNoDomainSoMapsChargeNothing() throws Exception {
        ReplaySummary s =
                replay(
                        THREE_MAPS,
                        ReplayOptions.defaults()
                                .withFixture(false, false, OptionalLong.empty(), 4096));
        assertThat(calls).extracting(CallResult::errno).containsExactly(0, 0, 0);
        assertThat(s.peakLockedVmPages()).isZero();
        assertThat(s.minMemlockBytes()).isZero();
        assertThat(s.fixture()).contains("mdev-only container");
    }

    @Test
    void theDmaEntryLimitRefusesTheMapPastIt() throws Exception {
        ReplaySummary s =
                replay(
                        THREE_MAPS,
                        ReplayOptions.defaults()
                                .withFixture(true, false, OptionalLong.of(2), 4096));
        assertThat(calls).extracting(CallResult::errnoName).containsExactly("0", "0", "ENOSPC");
        assertThat(s.firstFailure().orElseThrow().line()).isEqualTo(3);
        assertThat(s.finalLockedVmPages()).isEqualTo(8);
    }

    @Test
    void aMemlockLimitRefusesTheMapPastItUnlessTheVmmHoldsCapIpcLock() throws Exception {
        ReplayOptions limited = ReplayOptions.defaults().withMemlock(OptionalLong.of(8 * 4096));
        ReplaySummary s = replay(THREE_MAPS, limited);
        assertThat(calls).extracting(CallResult::errnoName).containsExactly("0", "0", "ENOMEM");
        assertThat(calls.get(2).lockedVmPages()).isEqualTo(8);
        assertThat(s.minMemlockBytes()).isEqualTo(12 * 4096);

        replay(THREE_MAPS, limited.withFixture(true, true, OptionalLong.empty(), 4096));
        assertThat(calls).extracting(CallResult::errnoName).containsExactly("0", "0", "0");
        assertThat(calls.get(2).lockedVmPages()).as("counted all the same").isEqualTo(12);
    }

    @Test
    void typeOneVersionOneAndV2BothServeTheReplay() throws Exception {
        ReplaySummary s =
                replay(
                        THREE_MAPS,
                        ReplayOptions.defaults().withIommu(IommuType.TYPE1, Optional.empty()));
        assertThat(s.fixture()).startsWith("TYPE1,");
        assertThat(s.peakLockedVmPages()).isEqualTo(12);
    }

    @Test
    void anUnmapOfTheWhole64BitSpaceIsTwoCallsOfHalfTheSpace() throws Exception {
        replay(
                THREE_MAPS + "vfio_listener_region_del region_del 0x0 - 0xffffffffffffffff\n",
                ReplayOptions.defaults());
        assertThat(calls.subList(3, 5))
                .extracting(
                        CallResult::iova,
                        CallResult::size,
                        CallResult::unmapped,
                        CallResult::lockedVmPages)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0L, 1L << 63, 0xc000L, 0L),
                        org.assertj.core.groups.Tuple.tuple(1L << 63, 1L << 63, 0L, 0L));
    }

    @Test
    void aVIommuBurstMapsFromTheSyntheticBlockAndAWideUnmapTakesEveryMappingInside()
            throws Exception {
        StringBuilder t = new StringBuilder();
        t.append(
                "vfio_listener_region_add_iommu region_add [iommu] vtd-00.0-dmar 0x0 - 0xfedfffff\n");
        for (int i = 0; i < 64; i++) {
            long iova = 0xfff00000L + i * 0x1000L;
            t.append(
                    String.format(
                            "vfio_iommu_map_notify iommu MAP @ 0x%x - 0x%x%n", iova, iova + 0xfff));
        }
        t.append("vfio_iommu_map_notify iommu UNMAP @ 0xfff20000 - 0xfff3ffff\n");
        t.append("vfio_iommu_map_notify iommu UNMAP @ 0xfff00800 - 0xfff00fff\n");
        ReplaySummary s = replay(t.toString(), ReplayOptions.defaults());
        assertThat(s.peakLockedVmPages()).isEqualTo(64);
        CallResult wide = calls.get(64);
        assertThat(wide.unmapped()).isEqualTo(32 * 0x1000L);
        assertThat(wide.lockedVmPages()).isEqualTo(32);
        CallResult bisecting = calls.get(65);
        assertThat(bisecting.errnoName())
                .as("an unmap starting inside a mapping")
                .isEqualTo("EINVAL");
        assertThat(s.warnings()).anyMatch(w -> w.startsWith("64 map(s) name no host address"));
    }

    @Test
    void theP2pTraceWithoutMemoryTakesEveryBarAsDeviceMemoryTheSplitOneToo() throws Exception {
        Path trace = RealTracesTest.DIR.resolve("qemu-devel-2020-01-p2p-bar.log");
        ReplaySummary s =
                Replay.prepare(trace, Optional.empty(), ReplayOptions.defaults())
                        .run(ReplayListener.NONE);
        // BARs 2, 3, 4 match their vfio_region_mmap sizes. BAR 0's two pieces around the MSI-X
        // table (iova 0xf8000000 +0x6000 and 0xf8007000 +0xff9000) share one vaddr - iova offset
        // (0x7f691e800000 - 0xf8000000) and span 0xf8000000..0xf8ffffff: 16 MiB, the size of
        // "BAR 0 mmaps[0]", at an IOVA aligned to 16 MiB. Nothing is charged.
        assertThat(s.finalLockedVmPages()).isZero();
        assertThat(s.peakLockedVmPages()).isZero();
        // BAR 4 (16 MiB at 0x7f691d800000) ends where BAR 0's first piece starts: one range.
        assertThat(s.warnings())
                .containsExactly(
                        "no --memory given: 4 mapped host range(s) have the size of a BAR mmap the"
                                + " trace announced (vfio_region_mmap), whole or in pieces around"
                                + " a hole: treated as device memory (mapped, never charged):"
                                + " 0x7f691d800000 +0x1006000, 0x7f691e807000 +0xff9000,"
                                + " 0x7f6b58004000 +0x1000, 0x7f6b5de37000 +0x1000");
    }

    @Test
    void aMapWhoseVaddrIsInNoDescribedBlockIsTreatedAsDeviceMemory() throws Exception {
        MemoryLayout ram =
                new MemoryLayout(
                        List.of(
                                new MemoryBlock(
                                        "ram",
                                        0x7f0000000000L,
                                        0x8000,
                                        4096,
                                        MemoryBlock.Kind.RAM)),
                        "test");
        ReplaySummary s = replay(THREE_MAPS, Optional.of(ram), ReplayOptions.defaults());
        assertThat(calls).extracting(CallResult::lockedVmPages).containsExactly(4L, 8L, 8L);
        assertThat(s.warnings())
                .singleElement()
                .asString()
                .contains(
                        "1 mapped host range(s) lie in no block of test: treated as device memory");
    }

    @Test
    void aThirtyNineBitIommuRefusesTheTopPciSpaceAsTheTraceRecorded() throws Exception {
        Path trace = RealTracesTest.DIR.resolve("qemu-devel-2023-11-iommufd-39bit-iova.log");
        calls = new ArrayList<>();
        ReplaySummary s =
                Replay.prepare(trace, Optional.empty(), ReplayOptions.defaults().withIovaBits(39))
                        .run(
                                new ReplayListener() {
                                    @Override
                                    public void call(CallResult r) {
                                        calls.add(r);
                                    }
                                });
        assertThat(calls)
                .extracting(CallResult::line, CallResult::errnoName, CallResult::recordedErrno)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(9L, "EINVAL", 22),
                        org.assertj.core.groups.Tuple.tuple(13L, "EINVAL", 22));
        assertThat(s.differing()).isZero();
        assertThat(s.peakLockedVmPages()).isZero();
        assertThat(s.fixture()).endsWith(", 39-bit IOVA");
    }

    @Test
    void anIommufdEventThatFailedIsTheResultOfTheListenerCallAndTheErrorPrintNamesTheErrno()
            throws Exception {
        replay(
                """
                vfio_listener_region_add_ram region_add [ram] 0x0 - 0xfff [0x7f0000000000]
                iommufd_backend_map_dma  iommufd=3 ioas=2 iova=0x0 size=0x1000 addr=0x7f0000000000 readonly=0 (-1)
                qemu-system-x86_64: IOMMU_IOAS_MAP failed: Cannot allocate memory
                qemu-system-x86_64: vfio_container_dma_map(0x5600, 0x0, 0x1000, 0x7f0000000000) = -12 (Cannot allocate memory)
                vfio_listener_region_add_ram region_add [ram] 0x1000 - 0x1fff [0x7f0000001000]
                qemu: vfio_container_dma_map(0x5600, 0x1000, 0x1000, 0x7f0000001000) = -17 (File exists)
                qemu: vfio_container_dma_map(0x5600, 0x1000, 0x1000, 0x7f0000001000) = -17 (File exists)
                """,
                ReplayOptions.defaults());
        assertThat(calls)
                .extracting(CallResult::line, CallResult::recordedErrno, CallResult::differs)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, 12, true),
                        org.assertj.core.groups.Tuple.tuple(5L, 17, true),
                        org.assertj.core.groups.Tuple.tuple(7L, 17, false));
    }
}
