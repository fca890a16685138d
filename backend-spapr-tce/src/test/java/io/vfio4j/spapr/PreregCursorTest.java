package io.vfio4j.spapr;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.host.PinnedRun;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link PreregCursor} over regions built directly, with 64 KiB system pages. */
class PreregCursorTest {
    static final int SPS = 16;
    static final long PAGE = 1L << SPS;
    static final long UA = 1L << 40;

    /** A region at {@code ua} of runs of the given page counts, at scattered frames. */
    static PreregRegion region(long ua, int backingShift, long... runPages) {
        List<PinnedRun> runs = new ArrayList<>();
        long va = ua;
        long entries = 0;
        for (int i = 0; i < runPages.length; i++) {
            long pfn = 0x1000L * (runPages.length - i) + 7 * i; // not contiguous, descending
            runs.add(new PinnedRun(va, pfn, runPages[i], false, backingShift));
            va += runPages[i] << SPS;
            entries += runPages[i];
        }
        return new PreregRegion(ua, entries, SPS, runs);
    }

    static PreregRegistry registry(PreregRegion... regions) {
        PreregRegistry r = new PreregRegistry();
        for (PreregRegion x : regions) {
            r.add(x);
        }
        return r;
    }

    /** Each stretch as {offset, pages, va, hpa, backingShift}, or {offset, pages, va} if none. */
    static List<long[]> walk(PreregRegistry registry, long va, long count, int shift) {
        List<long[]> out = new ArrayList<>();
        PreregCursor c = new PreregCursor(registry, va, count, shift);
        while (c.next()) {
            if (c.region() == null) {
                out.add(new long[] {c.offset(), c.pages(), c.va()});
                return out; // the container stops at the first refused page
            }
            out.add(new long[] {c.offset(), c.pages(), c.va(), c.hpa(), c.backingShift()});
        }
        return out;
    }

    @Test
    void oneStretchPerRunWithTheRunsHostAddresses() {
        PreregRegion r = region(UA, SPS, 4, 2, 3);
        List<long[]> s = walk(registry(r), UA + PAGE, 7, SPS);
        assertThat(s).hasSize(3);
        assertThat(s.get(0)).containsExactly(0, 3, UA + PAGE, r.hpa(UA + PAGE), SPS);
        assertThat(s.get(1)).containsExactly(3, 2, UA + 4 * PAGE, r.hpa(UA + 4 * PAGE), SPS);
        assertThat(s.get(2)).containsExactly(5, 2, UA + 6 * PAGE, r.hpa(UA + 6 * PAGE), SPS);
    }

    @Test
    void hostAddressesGrowWithUserAddressesInsideAStretch() {
        PreregRegion r = region(UA, SPS, 5, 1, 6);
        PreregCursor c = new PreregCursor(registry(r), UA, 12 * 16, 12); // 4 KiB IOMMU pages
        long covered = 0;
        while (c.next()) {
            for (long k = 0; k < c.pages(); k++) {
                long va = c.va() + (k << 12);
                assertThat(c.hpa() + (k << 12)).as("va 0x%x", va).isEqualTo(r.hpa(va));
            }
            assertThat(c.offset()).isEqualTo(covered);
            covered += c.pages();
        }
        assertThat(covered).isEqualTo(12 * 16);
    }

    @Test
    void smallIommuPagesFillARunAndLargeOnesTakeTheRunOfTheirFirstPage() {
        PreregRegion r = region(UA, 24, 1, 1, 256, 256); // backing shift 24: a 16 MiB page
        // 4 KiB pages: 16 per system page
        List<long[]> small = walk(registry(r), UA, 40, 12);
        assertThat(small).extracting(x -> x[1]).containsExactly(16L, 16L, 8L);
        // 16 MiB pages (256 system pages): the first starts in run 0, the second (page 256) in
        // run 2, skipping run 1
        List<long[]> large = walk(registry(r), UA, 2, 24);
        assertThat(large).hasSize(2);
        assertThat(large.get(0)).containsExactly(0, 1, UA, r.hpa(UA), 24);
        long second = UA + (1L << 24);
        assertThat(large.get(1)).containsExactly(1, 1, second, r.hpa(second), 24);
    }

    @Test
    void aPageCanSkipRunsShorterThanItself() {
        PreregRegion r = region(UA, SPS, 1, 1, 1, 1, 1, 1, 1, 1);
        List<long[]> s = walk(registry(r), UA, 4, SPS + 1); // 128 KiB pages over 64 KiB runs
        assertThat(s)
                .extracting(x -> x[2])
                .containsExactly(UA, UA + 2 * PAGE, UA + 4 * PAGE, UA + 6 * PAGE);
        assertThat(s)
                .extracting(x -> x[3])
                .containsExactly(
                        r.hpa(UA),
                        r.hpa(UA + 2 * PAGE),
                        r.hpa(UA + 4 * PAGE),
                        r.hpa(UA + 6 * PAGE));
    }

    @Test
    void adjacentRegionsAreLookedUpInTurn() {
        PreregRegion a = region(UA, SPS, 3);
        PreregRegion b = region(UA + 3 * PAGE, SPS, 2);
        PreregRegistry reg = registry(b, a);
        PreregCursor c = new PreregCursor(reg, UA + PAGE, 4, SPS);
        assertThat(c.next()).isTrue();
        assertThat(c.region()).isSameAs(a);
        assertThat(c.pages()).isEqualTo(2);
        assertThat(c.next()).isTrue();
        assertThat(c.region()).isSameAs(b);
        assertThat(c.pages()).isEqualTo(2);
        assertThat(c.hpa()).isEqualTo(b.hpa(UA + 3 * PAGE));
        assertThat(c.next()).isFalse();
    }

    @Test
    void aPageOutsideEveryRegionIsAStretchOfOneWithoutARegion() {
        PreregRegion a = region(UA, SPS, 3);
        List<long[]> s = walk(registry(a), UA, 5, SPS);
        assertThat(s).hasSize(2);
        assertThat(s.get(0)[1]).isEqualTo(3);
        assertThat(s.get(1)).containsExactly(3, 1, UA + 3 * PAGE);
    }

    @Test
    void aPageStraddlingTheRegionEndHasNoRegion() {
        PreregRegion a = region(UA, SPS, 3);
        PreregRegion b = region(UA + 3 * PAGE, SPS, 3);
        // 128 KiB pages from UA: the first lies in A, the second spans A and B
        List<long[]> s = walk(registry(a, b), UA, 2, SPS + 1);
        assertThat(s).hasSize(2);
        assertThat(s.get(0)[1]).isEqualTo(1);
        assertThat(s.get(1)).containsExactly(1, 1, UA + 2 * PAGE);
    }

    @Test
    void nothingToWalk() {
        assertThat(new PreregCursor(registry(), UA, 0, SPS).next()).isFalse();
    }

    @Test
    void regionRunAccessorsAgreeWithThePerPageOnes() {
        PreregRegion r = region(UA, 21, 3, 1, 4);
        assertThat(r.runCount()).isEqualTo(3);
        long[] expectRun = {0, 0, 0, 1, 2, 2, 2, 2};
        for (int p = 0; p < 8; p++) {
            long va = UA + p * PAGE + 0x123;
            int run = r.runOf(va);
            assertThat(run).isEqualTo(expectRun[p]);
            assertThat(r.runHpa(run, va)).isEqualTo(r.hpa(va));
            assertThat(r.runBackingShift(run)).isEqualTo(r.backingShift(va));
        }
        assertThat(r.runEnd(0)).isEqualTo(UA + 3 * PAGE);
        assertThat(r.runEnd(2)).isEqualTo(UA + 8 * PAGE);
        assertThat(r.pagesFrom(UA + PAGE, SPS)).isEqualTo(7);
        assertThat(r.pagesFrom(UA + PAGE, SPS + 1)).isEqualTo(3);
    }

    @Test
    void bulkCountersMatchRepeatedSingleSteps() {
        PreregRegion bulk = region(UA, SPS, 8);
        PreregRegion single = region(UA, SPS, 8);
        bulk.mappedAdd(5);
        for (int i = 0; i < 5; i++) {
            single.mappedInc();
        }
        assertThat(bulk.mapped()).isEqualTo(single.mapped()).isEqualTo(6);
        bulk.mappedSub(3);
        for (int i = 0; i < 3; i++) {
            single.mappedDec();
        }
        assertThat(bulk.mapped()).isEqualTo(single.mapped()).isEqualTo(3);
        bulk.mappedSub(10); // never below 1
        for (int i = 0; i < 10; i++) {
            single.mappedDec();
        }
        assertThat(bulk.mapped()).isEqualTo(single.mapped()).isEqualTo(1);
        bulk.mappedSub(0);
        assertThat(bulk.mapped()).isEqualTo(1);
    }

    @Test
    void rewindRepeatsTheSameStretchesWithoutLosingTheFirstRun() {
        PreregRegion a = region(UA, SPS, 2, 3);
        PreregRegion b = region(UA + 5 * PAGE, SPS, 4);
        PreregRegistry reg = registry(a, b);
        PreregCursor c = new PreregCursor(reg, UA + PAGE, 7, SPS);
        List<long[]> first = new ArrayList<>();
        while (c.next()) {
            first.add(new long[] {c.offset(), c.pages(), c.va(), c.hpa()});
        }
        c.rewind();
        List<long[]> second = new ArrayList<>();
        while (c.next()) {
            second.add(new long[] {c.offset(), c.pages(), c.va(), c.hpa()});
        }
        assertThat(first).hasSize(3);
        assertThat(second).containsExactlyElementsOf(first);
    }

    @Test
    void runLookupAgreesWithALinearScanForUnevenRuns() {
        java.util.Random random = new java.util.Random(42);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + random.nextInt(40);
            long[] pages = new long[n];
            for (int i = 0; i < n; i++) {
                // mostly short runs, now and then a long one
                pages[i] = random.nextInt(8) == 0 ? 1 + random.nextInt(500) : 1 + random.nextInt(3);
            }
            PreregRegion r = region(UA, SPS, pages);
            int run = 0;
            long runStart = 0;
            long total = 0;
            for (long p : pages) {
                total += p;
            }
            for (long page = 0; page < total; page++) {
                while (page >= runStart + pages[run]) {
                    runStart += pages[run];
                    run++;
                }
                assertThat(r.runOf(UA + page * PAGE))
                        .as("trial %d page %d", trial, page)
                        .isEqualTo(run);
            }
        }
    }

    @Test
    void aRegionOfOneRunHasOneBlock() {
        PreregRegion r = region(UA, SPS, 1L << 20);
        assertThat(r.runOf(UA)).isZero();
        assertThat(r.runOf(UA + ((1L << 20) - 1) * PAGE)).isZero();
        assertThat(r.runHpa(0, UA + 5 * PAGE)).isEqualTo(r.hpa(UA + 5 * PAGE));
    }
}
