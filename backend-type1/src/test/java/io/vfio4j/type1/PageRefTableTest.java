package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The primitive pin table against a boxed reference map, through growth and deletions. */
class PageRefTableTest {

    @Test
    void matchesAReferenceMapUnderRandomOperations() {
        PageRefTable t = new PageRefTable();
        Map<Long, Integer> ref = new HashMap<>();
        Random rnd = new Random(42);
        for (int op = 0; op < 200_000; op++) {
            long page = rnd.nextInt(5_000) * 0x40000L; // clustered keys collide in the hash
            if (rnd.nextInt(3) > 0) {
                t.add(page, page + 7, 1);
                ref.merge(page, 1, Integer::sum);
            } else {
                int left = t.release(page);
                Integer had = ref.get(page);
                assertThat(left).isEqualTo(had == null ? -1 : had - 1);
                if (had != null) {
                    ref.compute(page, (k, v) -> v == 1 ? null : v - 1);
                }
            }
        }
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.totalRefs())
                .isEqualTo(ref.values().stream().mapToLong(Integer::longValue).sum());
        for (Map.Entry<Long, Integer> e : ref.entrySet()) {
            assertThat(t.refs(e.getKey())).isEqualTo(e.getValue());
            assertThat(t.pfn(e.getKey())).isEqualTo(e.getKey() + 7);
        }
        assertThat(t.sortedPages()).isSorted().hasSize(ref.size());
    }

    @Test
    void releaseRunMatchesOneReleaseFramePerPage() {
        PageRefTable t = new PageRefTable();
        Map<Long, Integer> ref = new HashMap<>();
        Random rnd = new Random(11);
        long[] out = new long[64];
        int[] slots = new int[64];
        for (int op = 0; op < 20_000; op++) {
            int n = 1 + rnd.nextInt(64);
            // A narrow key space (frames stay positive): runs overlap, pages hold several
            // references, clusters are long.
            long first = rnd.nextInt(3_000) - 1_000;
            if (rnd.nextInt(5) < 3) {
                for (long page = first; page < first + n; page++) {
                    t.add(page, page * 5 + 10_000, 1);
                    ref.merge(page, 1, Integer::sum);
                }
                continue;
            }
            t.releaseRun(first, n, out, slots);
            for (int i = 0; i < n; i++) {
                long page = first + i;
                Integer had = ref.get(page);
                if (had == null) {
                    assertThat(out[i]).isEqualTo(PageRefTable.ABSENT);
                } else if (had == 1) {
                    assertThat(out[i]).isEqualTo(page * 5 + 10_000);
                    ref.remove(page);
                } else {
                    assertThat(out[i]).isEqualTo(PageRefTable.STILL_HELD);
                    ref.put(page, had - 1);
                }
            }
        }
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.totalRefs())
                .isEqualTo(ref.values().stream().mapToLong(Integer::longValue).sum());
        for (long page = -1_000; page < 2_100; page++) {
            Integer had = ref.get(page);
            assertThat(t.refs(page)).isEqualTo(had == null ? 0 : had);
            if (had != null) {
                assertThat(t.pfn(page)).isEqualTo(page * 5 + 10_000);
            }
        }
    }

    @Test
    void sortsManyPagesWhoseSpreadDoesNotFitALong() {
        Random rnd = new Random(5);
        long[] pages = new long[5_000];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = rnd.nextLong();
        }
        pages[0] = Long.MAX_VALUE;
        pages[1] = Long.MIN_VALUE + 1;
        long[] expected = pages.clone();
        java.util.Arrays.sort(expected);
        PageRefTable.sort(pages);
        assertThat(pages).containsExactly(expected);
    }

    @Test
    void countInRangeUsesHalfOpenBounds() {
        long[] pages = {1, 3, 5, 7};
        assertThat(PageRefTable.countInRange(pages, 3, 7)).isEqualTo(2);
        assertThat(PageRefTable.countInRange(pages, 0, 100)).isEqualTo(4);
        assertThat(PageRefTable.countInRange(new long[0], 0, 100)).isZero();
    }

    /** Keys around 0 (negatives included) collide and wrap; a few far keys sit at the extremes. */
    private static long key(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MIN_VALUE + 1 + rnd.nextInt(3);
            case 3 -> Long.MAX_VALUE - rnd.nextInt(3);
            case 4 -> (long) rnd.nextInt(64) << 40;
            default -> rnd.nextInt(601) - 300;
        };
    }

    @Test
    void matchesAHashMapWithNegativeAndZeroKeysThroughDeletions() {
        PageRefTable t = new PageRefTable();
        Map<Long, Integer> ref = new HashMap<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long page = key(rnd);
            Integer had = ref.get(page);
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    assertThat(t.release(page)).isEqualTo(had == null ? -1 : had - 1);
                    ref.computeIfPresent(page, (k, v) -> v == 1 ? null : v - 1);
                }
                case 1 -> {
                    int n = 1 + rnd.nextInt(3);
                    int left = had == null ? -1 : Math.max(0, had - n);
                    assertThat(t.drop(page, n)).isEqualTo(left);
                    ref.computeIfPresent(page, (k, v) -> left == 0 ? null : left);
                }
                case 2 -> {
                    assertThat(t.remove(page)).isEqualTo(had == null ? 0 : had);
                    ref.remove(page);
                }
                default -> {
                    int delta = 1 + rnd.nextInt(3);
                    t.add(page, page ^ 5, delta);
                    ref.merge(page, delta, Integer::sum);
                }
            }
            if (i % 997 == 0) {
                assertSame(t, ref);
            }
        }
        assertSame(t, ref);
    }

    @Test
    void growsThroughManyNegativeAndPositiveKeysAndSortsThem() {
        PageRefTable t = new PageRefTable();
        for (long k = -50_000; k < 50_000; k++) {
            t.add(k * 5, k, 1);
        }
        assertThat(t.size()).isEqualTo(100_000);
        long[] sorted = t.sortedPages(); // the radix path: > 4096 keys within 2^32
        assertThat(sorted).hasSize(100_000).isSorted();
        assertThat(sorted[0]).isEqualTo(-250_000);
        for (long k = -50_000; k < 50_000; k += 2) {
            assertThat(t.releaseFrame(k * 5)).isEqualTo(k);
        }
        assertThat(t.size()).isEqualTo(50_000);
        for (long k = -49_999; k < 50_000; k += 2) {
            assertThat(t.refs(k * 5)).isEqualTo(1);
            assertThat(t.contains((k - 1) * 5)).isFalse();
        }
        t.clear();
        assertThat(t.size()).isZero();
        assertThat(t.sortedPages()).isEmpty();
    }

    @Test
    void theFreeSlotMarkerIsRefusedAndLeavesNoTrace() {
        PageRefTable t = new PageRefTable();
        t.add(0, 9, 1);

        assertThatThrownBy(() -> t.add(PageRefTable.EMPTY, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(t.contains(PageRefTable.EMPTY)).isFalse();
        assertThat(t.refs(PageRefTable.EMPTY)).isZero();
        assertThat(t.release(PageRefTable.EMPTY)).isEqualTo(-1);
        assertThat(t.releaseFrame(PageRefTable.EMPTY)).isEqualTo(PageRefTable.ABSENT);
        assertThat(t.find(PageRefTable.EMPTY)).isNegative();
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.totalRefs()).isEqualTo(1);
        assertThat(t.sortedPages()).containsExactly(0);
    }

    private static void assertSame(PageRefTable t, Map<Long, Integer> ref) {
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.totalRefs())
                .isEqualTo(ref.values().stream().mapToLong(Integer::longValue).sum());
        for (Map.Entry<Long, Integer> e : ref.entrySet()) {
            assertThat(t.refs(e.getKey())).as("page %d", e.getKey()).isEqualTo(e.getValue());
            assertThat(t.pfn(e.getKey())).isEqualTo(e.getKey() ^ 5);
        }
        for (long k = -310; k <= 310; k++) {
            assertThat(t.contains(k)).as("page %d", k).isEqualTo(ref.containsKey(k));
        }
        assertThat(t.sortedPages())
                .containsExactly(
                        ref.keySet().stream().mapToLong(Long::longValue).sorted().toArray());
    }
}
