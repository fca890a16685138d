package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** type1's grouped pin table against a boxed reference map of page → (frame, count). */
class PinGroupTableTest {

    /** The reference: a page's frame and count. */
    private record Pin(long pfn, int refs) {}

    @Test
    void matchesAReferenceMapUnderRandomRunsOddFramesAndHighCounts() {
        PinGroupTable t = exercise(17, false);
        assertThat(t.perPage()).as("most pages follow their group's base").isFalse();
    }

    @Test
    void memoryFragmentedPageByPageTurnsThePerPageModeOnAndKeepsEveryPin() {
        PinGroupTable t = exercise(23, true);
        assertThat(t.perPage()).isTrue();
    }

    /**
     * Random pins, extra references, drops and releases against the reference, then everything
     * released; {@code fragmented}: every page pinned at a frame of its own, as a host whose
     * anonymous memory is in runs of one page gives.
     */
    private static PinGroupTable exercise(long seed, boolean fragmented) {
        PinGroupTable t = new PinGroupTable();
        TreeMap<Long, Pin> ref = new TreeMap<>();
        Random rnd = new Random(seed);
        long[] out = new long[40];
        for (int op = 0; op < 60_000; op++) {
            int n = 1 + rnd.nextInt(40);
            // A narrow page space, negative pages included: runs overlap, groups are shared, and
            // probe clusters are long; a few pages are referenced hundreds of times.
            long first = rnd.nextInt(4_000) - 1_500;
            switch (rnd.nextInt(6)) {
                case 0, 1 -> pin(t, ref, first, n, rnd, fragmented);
                case 2 -> {
                    for (int r = 0; r < 300; r++) {
                        long pfn = t.addRef(first);
                        Pin had = ref.get(first);
                        if (had == null) {
                            assertThat(pfn).isEqualTo(PinGroupTable.ABSENT);
                            break;
                        }
                        assertThat(pfn).isEqualTo(had.pfn());
                        ref.put(first, new Pin(had.pfn(), had.refs() + 1));
                    }
                }
                case 3 -> {
                    int k = 1 + rnd.nextInt(400);
                    Pin had = ref.get(first);
                    assertThat(t.drop(first, k))
                            .isEqualTo(had == null ? -1 : Math.max(0, had.refs() - k));
                    if (had != null) {
                        if (had.refs() <= k) {
                            ref.remove(first);
                        } else {
                            ref.put(first, new Pin(had.pfn(), had.refs() - k));
                        }
                    }
                }
                default -> release(t, ref, first, n, out);
            }
            if (op % 997 == 0) {
                assertSame(t, ref);
            }
        }
        assertSame(t, ref);
        assertThat(t.overflowPages())
                .as("odd frames and counts above 255 were exercised")
                .isPositive();
        boolean perPage = t.perPage();
        for (long page : ref.keySet().toArray(new Long[0])) {
            t.releaseRun(page, 1, out);
            while (t.contains(page)) {
                t.releaseRun(page, 1, out);
            }
            assertThat(out[0]).isEqualTo(ref.remove(page).pfn());
        }
        assertSame(t, ref);
        assertThat(t.buckets()).isZero();
        assertThat(t.perPage()).as("the mode stays once chosen").isEqualTo(perPage);
        return t;
    }

    /**
     * Pins [first, first + n) the way ExternalPins does: existing pages take a reference, absent
     * runs are inserted at frames that mostly follow the page (one group, one base) and sometimes
     * do not (another physical run), so both the buckets and the overflow table fill.
     */
    private static void pin(
            PinGroupTable t,
            TreeMap<Long, Pin> ref,
            long first,
            int n,
            Random rnd,
            boolean fragmented) {
        int k = 0;
        while (k < n) {
            long page = first + k;
            long pfn = t.addRef(page);
            Pin had = ref.get(page);
            if (had != null) {
                assertThat(pfn).isEqualTo(had.pfn());
                ref.put(page, new Pin(had.pfn(), had.refs() + 1));
                k++;
                continue;
            }
            assertThat(pfn).isEqualTo(PinGroupTable.ABSENT);
            int end = k + 1 + t.absentRun(page + 1, n - k - 1);
            for (int j = k; j < end; j++) {
                assertThat(ref).doesNotContainKey(first + j);
            }
            assertThat(end == n || ref.containsKey(first + end)).isTrue();
            int len = end - k;
            // Mostly frames that follow the pages (one base a group, whoever pins first), else
            // another physical run: such pages overflow if their group has another base.
            long pfnStart =
                    rnd.nextInt(4) == 0 ? 1_000_000 + rnd.nextInt(1_000) * 64L : 50_000 + page;
            if (rnd.nextInt(3) == 0) {
                // Buckets removed between the lookup that missed and the insert may move the
                // free bucket the table remembered for this group.
                long other = page + 64 + rnd.nextInt(256);
                release(t, ref, other, 1 + rnd.nextInt(40), new long[40]);
            }
            if (fragmented) {
                for (int j = 0; j < len; j++) {
                    long own = 2_000_000 + 7 * (page + j);
                    t.insertRun(page + j, 1, own);
                    ref.put(page + j, new Pin(own, 1));
                }
            } else {
                t.insertRun(page, len, pfnStart);
                for (int j = 0; j < len; j++) {
                    ref.put(page + j, new Pin(pfnStart + j, 1));
                }
            }
            k = end;
        }
    }

    private static void release(
            PinGroupTable t, TreeMap<Long, Pin> ref, long first, int n, long[] out) {
        t.releaseRun(first, n, out);
        for (int j = 0; j < n; j++) {
            long page = first + j;
            Pin had = ref.get(page);
            if (had == null) {
                assertThat(out[j]).as("page %d", page).isEqualTo(PinGroupTable.ABSENT);
            } else if (had.refs() == 1) {
                assertThat(out[j]).as("page %d", page).isEqualTo(had.pfn());
                ref.remove(page);
            } else {
                assertThat(out[j]).as("page %d", page).isEqualTo(PinGroupTable.STILL_HELD);
                ref.put(page, new Pin(had.pfn(), had.refs() - 1));
            }
        }
    }

    private static void assertSame(PinGroupTable t, TreeMap<Long, Pin> ref) {
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.totalRefs()).isEqualTo(ref.values().stream().mapToLong(Pin::refs).sum());
        long[] expected = ref.keySet().stream().mapToLong(Long::longValue).toArray();
        assertThat(t.sortedPages()).containsExactly(expected);
        for (Map.Entry<Long, Pin> e : ref.entrySet()) {
            assertThat(t.refs(e.getKey()))
                    .as("refs of %d", e.getKey())
                    .isEqualTo(e.getValue().refs());
            assertThat(t.pfn(e.getKey())).as("pfn of %d", e.getKey()).isEqualTo(e.getValue().pfn());
        }
        PageRefTable copy = new PageRefTable();
        t.addRefsTo(copy);
        assertThat(copy.size()).isEqualTo(ref.size());
        assertThat(copy.totalRefs()).isEqualTo(t.totalRefs());
        for (Map.Entry<Long, Pin> e : ref.entrySet()) {
            assertThat(copy.refs(e.getKey())).isEqualTo(e.getValue().refs());
        }
    }

    @Test
    void aSixteenPageRunOfContiguousFramesTakesThreeBucketsAndNoOverflow() {
        PinGroupTable t = new PinGroupTable();
        t.insertRun(1_005, 16, 7_005); // pages 1005..1020: groups 125, 126, 127
        assertThat(t.buckets()).isEqualTo(3);
        assertThat(t.overflowPages()).isZero();
        assertThat(t.size()).isEqualTo(16);
        assertThat(t.pfn(1_020)).isEqualTo(7_020);
        assertThat(t.absentRun(1_000, 8)).isEqualTo(5);
        assertThat(t.absentRun(1_021, 100)).isEqualTo(100);
        long[] out = new long[16];
        t.releaseRun(1_005, 16, out);
        assertThat(out)
                .containsExactly(
                        7_005, 7_006, 7_007, 7_008, 7_009, 7_010, 7_011, 7_012, 7_013, 7_014, 7_015,
                        7_016, 7_017, 7_018, 7_019, 7_020);
        assertThat(t.buckets()).isZero();
        assertThat(t.isEmpty()).isTrue();
    }

    @Test
    void aPageAtAnotherFrameThanItsGroupKeepsItsOwnFrame() {
        PinGroupTable t = new PinGroupTable();
        t.insertRun(8, 2, 100); // group 1: base 100 - 0
        t.insertRun(10, 2, 500); // same group, frames of another physical run
        assertThat(t.overflowPages()).isEqualTo(2);
        assertThat(t.pfn(9)).isEqualTo(101);
        assertThat(t.pfn(10)).isEqualTo(500);
        assertThat(t.pfn(11)).isEqualTo(501);
        assertThat(t.addRef(11)).isEqualTo(501);
        assertThat(t.absentRun(8, 8)).isZero();
        assertThat(t.absentRun(12, 8)).isEqualTo(8);
        assertThat(t.sortedPages()).containsExactly(8, 9, 10, 11);
        long[] out = new long[4];
        t.releaseRun(8, 4, out);
        assertThat(out).containsExactly(100, 101, 500, PinGroupTable.STILL_HELD);
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.totalRefs()).isEqualTo(1);
        assertThat(t.drop(11, 5)).isZero();
        assertThat(t.isEmpty()).isTrue();
        assertThatThrownBy(() -> t.pfn(11)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theTwoHundredFiftySixthReferenceMovesAPageOutOfItsGroupWithItsCount() {
        PinGroupTable t = new PinGroupTable();
        t.insertRun(16, 3, 40);
        for (int i = 1; i < PinGroupTable.MAX_IN_GROUP; i++) {
            assertThat(t.addRef(17)).isEqualTo(41);
        }
        assertThat(t.refs(17)).isEqualTo(255);
        assertThat(t.overflowPages()).isZero();
        assertThat(t.addRef(17)).isEqualTo(41);
        assertThat(t.refs(17)).isEqualTo(256);
        assertThat(t.overflowPages()).isEqualTo(1);
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.totalRefs()).isEqualTo(258);
        assertThat(t.drop(17, 200)).isEqualTo(56);
        assertThat(t.drop(16, 1)).isZero();
        assertThat(t.drop(18, 1)).isZero();
        assertThat(t.buckets()).as("the group's other pages are gone").isZero();
        assertThat(t.refs(17)).isEqualTo(56);
        assertThat(t.pfn(17)).isEqualTo(41);
    }

    @Test
    void aRemovalBetweenAMissAndItsInsertDoesNotLoseTheNewGroup() {
        PinGroupTable t = new PinGroupTable();
        long[] g = new long[3];
        int found = 0;
        for (long group = 0; found < 3; group++) {
            if (t.homeOf(group) == t.homeOf(0)) {
                g[found++] = group;
            }
        }
        t.insertRun(g[0] << 3, 1, 100);
        t.insertRun(g[1] << 3, 1, 200); // one bucket after its home
        assertThat(t.addRef(g[2] << 3)).isEqualTo(PinGroupTable.ABSENT); // would go two after
        long[] out = new long[1];
        t.releaseRun(g[0] << 3, 1, out); // g[1] shifts back into its home bucket
        assertThat(out[0]).isEqualTo(100);
        t.insertRun(g[2] << 3, 1, 300);
        assertThat(t.pfn(g[2] << 3)).isEqualTo(300);
        assertThat(t.pfn(g[1] << 3)).isEqualTo(200);
        assertThat(t.sortedPages()).containsExactly(g[1] << 3, g[2] << 3);
    }

    @Test
    void theTwoHundredFiftySixthOddPageAtFourTimesTheGroupedOnesTurnsThePerPageModeOn() {
        PinGroupTable t = new PinGroupTable();
        t.insertRun(0, 8, 100); // group 0, 8 grouped pages
        t.addRef(3);
        t.addRef(3);
        // Then single pages at frames of their own: a group's first page sets its base (grouped),
        // the other seven overflow. After group k's j-th odd page: 7(k - 1) + j odd, 8 + k grouped.
        for (long page = 8; page < 300; page++) {
            t.insertRun(page, 1, 10_000 + 2 * page);
        }
        assertThat(t.perPage()).as("255 odd pages: not yet judged").isFalse();
        t.insertRun(300, 1, 10_600); // the 256th odd page; 45 grouped, 256 > 4 * 45
        assertThat(t.perPage()).isTrue();
        assertThat(t.buckets()).isZero();
        assertThat(t.size()).isEqualTo(301);
        assertThat(t.totalRefs()).isEqualTo(303);
        assertThat(t.refs(3)).isEqualTo(3);
        assertThat(t.pfn(3)).isEqualTo(103);
        assertThat(t.pfn(296)).as("a group's first page, grouped until now").isEqualTo(10_592);
        assertThat(t.pfn(300)).isEqualTo(10_600);
        assertThat(t.absentRun(298, 10)).isZero();
        assertThat(t.absentRun(301, 10)).isEqualTo(10);
        long[] out = new long[8];
        t.releaseRun(0, 8, out);
        assertThat(out)
                .containsExactly(100, 101, 102, PinGroupTable.STILL_HELD, 104, 105, 106, 107);
        assertThat(t.drop(3, 9)).isZero();
        assertThat(t.size()).isEqualTo(293);
    }

    @Test
    void growsThroughManyGroups() {
        PinGroupTable t = new PinGroupTable();
        for (long g = 0; g < 10_000; g++) {
            t.insertRun(g * 64 + 3, 2, g * 1_000);
        }
        assertThat(t.buckets()).isEqualTo(10_000);
        assertThat(t.capacity()).isEqualTo(16_384);
        assertThat(t.size()).isEqualTo(20_000);
        assertThat(t.pfn(9_999 * 64 + 4)).isEqualTo(9_999_001);
        assertThat(t.contains(9_999 * 64 + 5)).isFalse();
    }
}
