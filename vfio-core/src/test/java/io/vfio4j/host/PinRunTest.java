package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.host.PinnedRun;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PinRunTest {
    private static final long VA = 0x7f00_0000_0000L;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private final SimHost host = SimHost.builder().build();
    private final SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
    private final SimAddressSpace mm = proc.simAddressSpace().orElseThrow();

    /** Pins the whole region from {@code va} run by run. */
    private static List<PinnedRun> pinAll(SimAddressSpace mm, long va, long pages, long pageSize) {
        List<PinnedRun> runs = new ArrayList<>();
        long done = 0;
        while (done < pages) {
            PinnedRun r = mm.pinRun(va + done * pageSize, pages - done, true);
            runs.add(r);
            done += r.pages();
        }
        return runs;
    }

    @Test
    void anonymousMemoryIsCutIntoFragmentationRunsThatAreNotAdjacent() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));

        List<PinnedRun> runs = pinAll(mm, VA, 256, 4096);

        assertThat(runs)
                .hasSize(4)
                .allSatisfy(
                        r -> {
                            assertThat(r.pages()).isEqualTo(64);
                            assertThat(r.backingPageShift()).isEqualTo(12);
                            assertThat(r.reserved()).isFalse();
                        });
        for (int i = 1; i < runs.size(); i++) {
            PinnedRun prev = runs.get(i - 1);
            assertThat(runs.get(i).pfn()).isNotEqualTo(prev.pfn() + prev.pages());
            assertThat(runs.get(i).vaddr()).isEqualTo(prev.vaddr() + prev.pages() * 4096);
        }
        assertThat(runs.stream().map(PinnedRun::pfn).distinct()).hasSize(4);
        assertThat(host.memory().totalPins()).isEqualTo(256);
        assertThat(host.memory().totalPinnedFrames()).isEqualTo(256);
        assertThat(host.memory().pinCount(runs.get(2).pfn() + 5)).isEqualTo(1);
    }

    @Test
    void maxPagesCutsARunAndTheRestOfTheRunFollowsContiguously() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));

        PinnedRun first = mm.pinRun(VA, 10, false);
        PinnedRun rest = mm.pinRun(VA + 10 * 4096, 1000, false);

        assertThat(first.pages()).isEqualTo(10);
        assertThat(rest.pages()).isEqualTo(54);
        assertThat(rest.pfn()).isEqualTo(first.pfn() + 10);
    }

    @Test
    void runsAreCutAtTheRegionEndEvenIfTheNextRegionFollows() {
        proc.mmap(RegionSpec.anonymous(VA, 100 * 4096));
        proc.mmap(RegionSpec.anonymous(VA + 100 * 4096, 64 * 4096));

        PinnedRun tail = mm.pinRun(VA + 64 * 4096, 1000, true);
        PinnedRun last = mm.pinRun(VA + 99 * 4096, 1000, true);
        PinnedRun next = mm.pinRun(VA + 100 * 4096, 1000, true);

        assertThat(tail.pages()).isEqualTo(36);
        assertThat(last.pages()).isEqualTo(1);
        assertThat(next.pages()).isEqualTo(64);
        assertThat(next.pfn()).isNotEqualTo(last.pfn() + 1);
    }

    @Test
    void thpRunsAreTwoMibAlignedAndAtLeastTwoMib() {
        proc.mmap(RegionSpec.thp(VA, 8 * MIB));

        List<PinnedRun> runs = pinAll(mm, VA, 2048, 4096);

        assertThat(runs)
                .hasSize(4)
                .allSatisfy(
                        r -> {
                            assertThat(r.pages()).isEqualTo(512);
                            assertThat(r.backingPageShift()).isEqualTo(21);
                            assertThat(r.pfn() % 512).isZero();
                        });
    }

    @Test
    void hugetlbRunsFollowTheHugePageSize() {
        proc.mmap(RegionSpec.hugetlb(VA, 4 * GIB, HugePage.SIZE_1G));
        proc.mmap(RegionSpec.hugetlb(VA + 8 * GIB, 4 * MIB, HugePage.SIZE_2M));

        List<PinnedRun> giant = pinAll(mm, VA, 4 * 262144, 4096);
        List<PinnedRun> huge = pinAll(mm, VA + 8 * GIB, 1024, 4096);

        assertThat(giant)
                .hasSize(4)
                .allSatisfy(
                        r -> {
                            assertThat(r.pages()).isEqualTo(262144);
                            assertThat(r.backingPageShift()).isEqualTo(30);
                            assertThat(r.pfn() % 262144).isZero();
                        });
        assertThat(huge)
                .hasSize(2)
                .allSatisfy(
                        r -> {
                            assertThat(r.pages()).isEqualTo(512);
                            assertThat(r.backingPageShift()).isEqualTo(21);
                        });
    }

    @Test
    void deviceMemoryIsReservedContiguousAndNeverPinned() {
        proc.mmap(RegionSpec.device(VA, 16 * MIB));

        PinnedRun run = mm.pinRun(VA, Long.MAX_VALUE, true);

        assertThat(run.reserved()).isTrue();
        assertThat(run.pages()).isEqualTo(4096);
        assertThat(run.backingPageShift()).isEqualTo(12);
        assertThat(host.memory().isDeviceFrame(run.pfn())).isTrue();
        assertThat(host.memory().pinCount(run.pfn())).isZero();
        assertThat(host.memory().totalPins()).isZero();
        assertThatThrownBy(() -> host.memory().unpin(run.pfn(), 1, false))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void translateReportsTheSameRunWithoutPinning() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));

        PinnedRun looked = mm.translate(VA + 4096, 100);

        assertThat(host.memory().pinCount(looked.pfn())).isZero();
        assertThat(mm.pinRun(VA + 4096, 100, true)).isEqualTo(looked);
        assertThat(looked.pages()).isEqualTo(63);
    }

    @Test
    void holesAreEfault() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));

        assertErrno(Errno.EFAULT, () -> mm.pinRun(VA + MIB, 1, false));
        assertErrno(Errno.EFAULT, () -> mm.pinRun(VA - 4096, 1, false));
        assertErrno(Errno.EFAULT, () -> mm.translate(0, 1));
        assertThat(host.memory().totalPins()).isZero();
    }

    @Test
    void readOnlyMemoryRefusesWritePinsOnly() {
        proc.mmap(RegionSpec.anonymous(VA, MIB).readOnly());

        assertErrno(Errno.EFAULT, () -> mm.pinRun(VA, 1, true));
        assertThat(host.memory().totalPins()).isZero();
        PinnedRun r = mm.pinRun(VA, 1, false);
        assertThat(host.memory().pinCount(r.pfn())).isEqualTo(1);
    }

    @Test
    void badArgumentsAreBackendBugs() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));

        assertThatThrownBy(() -> mm.pinRun(VA + 1, 1, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mm.pinRun(VA, 0, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mmapRejectsMisalignmentAndOverlap() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));

        assertThatThrownBy(() -> proc.mmap(RegionSpec.anonymous(VA + MIB + 1, 4096)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> proc.mmap(RegionSpec.hugetlb(VA + 2 * MIB, MIB, HugePage.SIZE_2M)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> proc.mmap(RegionSpec.anonymous(VA + MIB - 4096, 8192)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlaps");
        assertThatThrownBy(
                        () -> proc.mmap(RegionSpec.hugetlb(VA + GIB, 16 * MIB, HugePage.SIZE_16M)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("POWER");
        assertThat(mm.regions()).hasSize(1);
    }

    @Test
    void regionsAtTheTopOfTheAddressSpaceUseUnsignedOrder() {
        long top = -(1L << 20); // 0xfffffffffff00000
        proc.mmap(RegionSpec.anonymous(top, MIB));
        proc.mmap(RegionSpec.anonymous(0x1000, 4096));

        assertThat(mm.pinRun(top + MIB - 4096, 10, false).pages()).isEqualTo(1);
        assertThat(mm.pinRun(0x1000, 10, false).pages()).isEqualTo(1);
        assertThat(mm.regions()).extracting(Region::vaddr).containsExactly(0x1000L, top);
    }

    @Test
    void powerHostsUseSixtyFourKibSmallPagesAndSixteenMibHugePages() {
        SimHost power = SimHost.builder().platform(Platform.POWER).build();
        SimProcess p = power.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace space = p.simAddressSpace().orElseThrow();
        p.mmap(RegionSpec.anonymous(VA, 64 * 65536 * 2));
        p.mmap(RegionSpec.hugetlb(VA + GIB, 32 * MIB, HugePage.SIZE_16M));

        PinnedRun small = space.pinRun(VA, 1000, true);
        PinnedRun huge = space.pinRun(VA + GIB, 1000, true);

        assertThat(power.pageSize()).isEqualTo(65536);
        assertThat(small.backingPageShift()).isEqualTo(16);
        assertThat(small.pages()).isEqualTo(64);
        assertThat(huge.backingPageShift()).isEqualTo(24);
        assertThat(huge.pages()).isEqualTo(256);
        assertThat(huge.pfn() % 256).isZero();
    }

    @Test
    void munmapSplitsARegionAndKeepsTheFramesOfTheRest() {
        proc.mmap(RegionSpec.anonymous(VA, MIB));
        PinnedRun before = mm.translate(VA + 200 * 4096, 1);

        proc.munmap(VA + 64 * 4096, 64 * 4096);

        assertThat(mm.regions()).hasSize(2);
        assertErrno(Errno.EFAULT, () -> mm.translate(VA + 100 * 4096, 1));
        assertThat(mm.translate(VA + 200 * 4096, 1).pfn()).isEqualTo(before.pfn());
        assertThat(mm.translate(VA, 1000).pages()).isEqualTo(64);
    }

    @Test
    void munmapOfHugetlbMustFallOnHugePageBoundaries() {
        proc.mmap(RegionSpec.hugetlb(VA, 4 * MIB, HugePage.SIZE_2M));

        assertThatThrownBy(() -> proc.munmap(VA, MIB)).isInstanceOf(IllegalArgumentException.class);
        assertThat(mm.regions()).hasSize(1);
        proc.munmap(VA, 2 * MIB);
        assertThat(mm.regions()).singleElement().extracting(Region::vaddr).isEqualTo(VA + 2 * MIB);
    }
}
