package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.host.PinnedRun;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/** A terabyte guest must cost memory in proportion to its runs, never to its pages. */
class ScaleTest {
    private static final long TIB = 1L << 40;
    private static final long VA = 1L << 44;

    /** Pins the whole region and returns the number of pinRun calls it took. */
    private static int pinWhole(SimAddressSpace mm, long pages, int pageShift) {
        int calls = 0;
        long done = 0;
        while (done < pages) {
            PinnedRun r = mm.pinRun(VA + (done << pageShift), pages - done, true);
            done += r.pages();
            calls++;
        }
        return calls;
    }

    @Test
    void aTerabyteOfGigantic1GPagesPinsIn1024RunsAndOneSegment() {
        SimHost host = SimHost.builder().build();
        SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace mm = proc.simAddressSpace().orElseThrow();
        proc.mmap(RegionSpec.hugetlb(VA, TIB, HugePage.SIZE_1G));

        int calls = pinWhole(mm, TIB >>> 12, 12);

        assertThat(calls).isEqualTo(1024);
        assertThat(host.memory().totalPins()).isEqualTo(TIB >>> 12);
        assertThat(host.memory().totalPinnedFrames()).isEqualTo(TIB >>> 12);
        // Runs are physically adjacent in reverse order, so the table coalesces them.
        assertThat(host.memory().segmentCount()).isEqualTo(1);
    }

    @Test
    void aTerabyteOfSmallPagesPinsInFourCallsWhenRunsAre256GiB() {
        SimHost host = SimHost.builder().anonymousRunPages(1L << 26).build();
        SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace mm = proc.simAddressSpace().orElseThrow();
        proc.mmap(RegionSpec.anonymous(VA, TIB));

        int calls = pinWhole(mm, TIB >>> 12, 12);

        assertThat(calls).isEqualTo(4);
        assertThat(mm.translate(VA, Long.MAX_VALUE).backingPageShift()).isEqualTo(12);
        assertThat(host.memory().totalPins()).isEqualTo(TIB >>> 12);
        assertThat(host.memory().segmentCount()).isEqualTo(1);
    }

    @Test
    void aFragmentedTerabyteIsAddressableWithoutMaterializingAnything() {
        SimHost host = SimHost.builder().build();
        SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace mm = proc.simAddressSpace().orElseThrow();
        Region region = proc.mmap(RegionSpec.anonymous(VA, TIB));

        PinnedRun last = mm.pinRun(VA + TIB - 4096, 100, true);

        assertThat(region.frames().runCount()).isEqualTo((TIB >>> 12) / 64);
        assertThat(last.pages()).isEqualTo(1);
        assertThat(mm.translate(VA + TIB - 64 * 4096, 1000).pages()).isEqualTo(64);
        assertThat(host.memory().segmentCount()).isEqualTo(1);
    }

    @Test
    void aPinnedAndMappedTerabyteRetainsLessThanOneMebibyte() {
        SimHost host = SimHost.builder().build();
        SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace mm = proc.simAddressSpace().orElseThrow();
        proc.mmap(RegionSpec.hugetlb(VA, TIB, HugePage.SIZE_1G));
        SimIommuGroup group = host.addIommuGroup(IommuGroupSpec.of(1));
        SimIommuDomain domain = group.allocateSimDomain();
        domain.attach(group);

        long done = 0;
        long pages = TIB >>> 12;
        while (done < pages) {
            PinnedRun r = mm.pinRun(VA + (done << 12), pages - done, true);
            domain.map(done << 12, r.pfn(), r.pages(), DmaProt.RW);
            done += r.pages();
        }

        assertThat(domain.mappedPages()).isEqualTo(pages);
        assertThat(domain.mappingCount()).isEqualTo(1024);
        long retained = GraphLayout.parseInstance(host).totalSize();
        // The lower bound proves the walk reached the page table: 1024 entries of 28 bytes
        // (iova, pfn, pages, prot) in primitive arrays.
        assertThat(retained).isBetween(1024L * 28, (1L << 20) - 1);
    }
}
