package io.vfio4j.spapr;

import static io.vfio4j.spapr.SpaprSetup.GIB;
import static io.vfio4j.spapr.SpaprSetup.KIB;
import static io.vfio4j.spapr.SpaprSetup.MIB;
import static io.vfio4j.spapr.SpaprSetup.V;
import static io.vfio4j.spapr.SpaprSetup.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.host.HugePage;
import io.vfio4j.host.RegionSpec;
import org.junit.jupiter.api.Test;

/**
 * v2 MAP and UNMAP over many pinned runs, several regions, older entries and mixed permissions: the
 * results of the per-entry rules (translation, {@code mapped}, dirty marks, no trace on refusal),
 * whatever the walk does in bulk. Anonymous memory comes in runs of 64 system pages.
 */
class SpaprTceWalkTest {
    static final long P = 64 * KIB;

    private final SpaprSetup r = new SpaprSetup();

    /** A v2 container with [V, V + size) registered and a 64 KiB-page window; its bus start. */
    private long window(VfioIommuDriverOps c, long size) {
        r.ram(V, GIB);
        r.register(c, V, size);
        return r.create(c, 16, 64 * GIB, 1);
    }

    private void assertTranslates(long bus, long va, long pages, long pageSize) {
        for (long k = 0; k < pages; k++) {
            long off = k * pageSize + 0x120;
            assertThat(r.g1Pe.dmaTranslate(bus + off))
                    .as("page %d", k)
                    .isEqualTo((r.pfn((va + off) & -P) << 16) + ((va + off) & (P - 1)));
        }
    }

    @Test
    void mapAcrossManyRunsTranslatesEveryPageAndCountsEachOnce() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long bus = window(c, 64 * MIB);
        long va = V + 10 * P; // starts inside the first run, ends inside the fifth
        r.map(c, va, bus + 3 * P, 250 * P);

        assertTranslates(bus + 3 * P, va, 250, P);
        assertThat(r.g1Pe.dmaTranslate(bus + 2 * P)).isEqualTo(-1);
        assertThat(r.g1Pe.dmaTranslate(bus + 253 * P)).isEqualTo(-1);
        assertThat(r.region(V, 64 * MIB).mapped()).isEqualTo(1 + 250);
        assertThat(c.state().mappings()).isEqualTo(250);

        r.unmap(c, bus + 100 * P, 50 * P);
        assertThat(r.region(V, 64 * MIB).mapped()).isEqualTo(1 + 200);
        assertThat(r.g1Pe.dmaTranslate(bus + 120 * P)).isEqualTo(-1);
        assertTranslates(bus + 150 * P, va + 147 * P, 103, P);

        r.unmap(c, bus, 64 * GIB);
        assertThat(r.region(V, 64 * MIB).mapped()).isEqualTo(1);
        assertThat(c.state().mappings()).isZero();
    }

    @Test
    void fourKibPagesInTheDefaultWindowWalkSystemPagesAndRuns() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, 64 * MIB);
        long va = V + 63 * P + 5 * 4 * KIB; // the last page of run 0, then into run 1
        r.map(c, va, 0x5000, 40 * 4 * KIB);

        assertTranslates(0x5000, va, 40, 4 * KIB);
        assertThat(r.region(V, 64 * MIB).mapped()).isEqualTo(1 + 40);
        r.unmap(c, 0, 2 * GIB);
        assertThat(r.region(V, 64 * MIB).mapped()).isEqualTo(1);
    }

    @Test
    void aMapOverOlderEntriesReplacesThemAndReleasesTheirRegion() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long bus = window(c, MIB);
        r.ram(V + 2 * GIB, GIB);
        r.register(c, V + 2 * GIB, MIB);
        r.map(c, V, bus, 8 * P); // entries 0..7 from region A
        r.map(c, V + 2 * GIB, bus + 4 * P, 8 * P); // entries 4..11 from B, replacing 4..7

        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 4);
        assertThat(r.region(V + 2 * GIB, MIB).mapped()).isEqualTo(1 + 8);
        assertTranslates(bus, V, 4, P);
        assertTranslates(bus + 4 * P, V + 2 * GIB, 8, P);
        assertThat(c.state().mappings()).isEqualTo(12);

        r.map(c, V + 3 * P, bus + 3 * P, 2 * P); // A again over one entry of A and one of B
        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 5);
        assertThat(r.region(V + 2 * GIB, MIB).mapped()).isEqualTo(1 + 7);

        r.unmap(c, bus, 12 * P);
        assertThat(r.region(V, MIB).mapped()).isEqualTo(1);
        assertThat(r.region(V + 2 * GIB, MIB).mapped()).isEqualTo(1);
        assertThat(c.state().mappings()).isZero();
    }

    @Test
    void aMapOverAdjacentRegionsCountsEachRegionsShare() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long bus = window(c, MIB);
        r.register(c, V + MIB, MIB);
        r.map(c, V + MIB / 2, bus, MIB); // 8 pages of each region

        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 8);
        assertThat(r.region(V + MIB, MIB).mapped()).isEqualTo(1 + 8);
        assertTranslates(bus, V + MIB / 2, 16, P);

        r.unmap(c, bus + 6 * P, 4 * P); // two entries of each, shadows consecutive across
        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 6);
        assertThat(r.region(V + MIB, MIB).mapped()).isEqualTo(1 + 6);
    }

    @Test
    void aRefusalInALaterRegionLeavesEveryRegionAndOlderEntryAsItWas() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long bus = window(c, MIB);
        r.register(c, V + MIB, MIB); // [V + 2 MiB, ...) is mapped but not registered
        r.map(c, V + 3 * P, bus + 20 * P, 4 * P);
        long live = c.state().mappings();

        // entries 16..23 from A (over the older 20..23), 24..39 from B, then one outside
        assertErrno(Errno.EINVAL, () -> r.map(c, V + MIB / 2, bus + 16 * P, 25 * P));

        assertThat(r.region(V, MIB).mapped()).isEqualTo(1 + 4);
        assertThat(r.region(V + MIB, MIB).mapped()).isEqualTo(1);
        assertThat(c.state().mappings()).isEqualTo(live);
        assertTranslates(bus + 20 * P, V + 3 * P, 4, P);
        assertThat(r.g1Pe.dmaTranslate(bus + 16 * P)).isEqualTo(-1);
        assertThat(r.g1Pe.dmaTranslate(bus + 30 * P)).isEqualTo(-1);
    }

    @Test
    void writableEntriesLeaveDirtyPagesWhenTheRegionIsFreed() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long bus = window(c, MIB);
        r.run(c, MapDma.of(V, bus, 4 * P, MapDma.READ | MapDma.WRITE));
        r.run(c, MapDma.of(V + 4 * P, bus + 4 * P, 4 * P, MapDma.READ));
        r.run(c, MapDma.of(V + 8 * P, bus + 8 * P, 2 * P, MapDma.WRITE));
        // shadows out of order: each entry is its own stretch
        r.run(c, MapDma.of(V + 12 * P, bus + 10 * P, P, MapDma.WRITE));
        r.run(c, MapDma.of(V + 11 * P, bus + 11 * P, P, MapDma.READ));
        r.run(c, MapDma.of(V + 10 * P, bus + 12 * P, P, MapDma.WRITE));

        r.unmap(c, bus, 16 * P);
        assertThat(r.region(V, MIB).mapped()).isEqualTo(1);
        r.run(c, SpaprUnregisterMemory.of(V, MIB));

        boolean[] dirty = {
            true, true, true, true, false, false, false, false, true, true, true, false, true,
            false, false, false
        };
        for (int p = 0; p < 16; p++) {
            assertThat(r.host.memory().isDirty(r.pfn(V + p * P)))
                    .as("page %d", p)
                    .isEqualTo(dirty[p]);
        }
    }

    @Test
    void fourKibEntriesMarkEverySystemPageTheyTouch() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, MIB);
        // 4 KiB entries: the last one of page 0, all of page 1, the first of page 2
        r.map(c, V + P - 4 * KIB, 0x1000, P + 8 * KIB);
        r.unmap(c, 0, 2 * GIB);
        r.run(c, SpaprUnregisterMemory.of(V, MIB));
        for (int p = 0; p < 4; p++) {
            assertThat(r.host.memory().isDirty(r.pfn(V + p * P))).as("page %d", p).isEqualTo(p < 3);
        }
    }

    @Test
    void largeEntriesMarkOnlyTheirFirstSystemPage() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long vh = 1L << 41;
        r.p.mmap(RegionSpec.hugetlb(vh, 64 * MIB, HugePage.SIZE_16M));
        r.register(c, vh, 64 * MIB);
        long bus = r.create(c, 24, 64 * GIB, 1);
        r.map(c, vh, bus, 48 * MIB);
        assertTranslates(bus, vh, 3, 16 * MIB);
        assertThat(r.region(vh, 64 * MIB).mapped()).isEqualTo(1 + 3);

        r.unmap(c, bus, 48 * MIB);
        r.run(c, SpaprUnregisterMemory.of(vh, 64 * MIB));
        for (long p = 0; p < 64 * MIB / P; p++) {
            boolean first = p % 256 == 0 && p < 3 * 256;
            assertThat(r.host.memory().isDirty(r.pfn(vh + p * P)))
                    .as("page %d", p)
                    .isEqualTo(first);
        }
    }
}
