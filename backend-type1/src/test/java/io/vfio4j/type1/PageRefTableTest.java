package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;

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
    void countInRangeUsesHalfOpenBounds() {
        long[] pages = {1, 3, 5, 7};
        assertThat(PageRefTable.countInRange(pages, 3, 7)).isEqualTo(2);
        assertThat(PageRefTable.countInRange(pages, 0, 100)).isEqualTo(4);
        assertThat(PageRefTable.countInRange(new long[0], 0, 100)).isZero();
    }

    @Test
    void reservationsKeepTheirSlotsUntilFilledOrRemoved() {
        PageRefTable t = new PageRefTable();
        Map<Long, Integer> ref = new HashMap<>();
        Random rnd = new Random(7);
        for (int call = 0; call < 2_000; call++) {
            int n = 1 + rnd.nextInt(64);
            long first = rnd.nextInt(4_000);
            t.ensureRoom(n);
            int[] slots = new int[n];
            boolean[] reserved = new boolean[n];
            for (int j = 0; j < n; j++) {
                long page = first + j;
                int s = t.find(page);
                if (s >= 0) {
                    assertThat(t.addRefAt(s)).isEqualTo(page * 3);
                    ref.merge(page, 1, Integer::sum);
                } else {
                    t.reserveAt(-s - 1, page);
                    slots[j] = -s - 1;
                    reserved[j] = true;
                }
            }
            boolean fill = rnd.nextInt(4) > 0;
            for (int j = 0; j < n; j++) {
                long page = first + j;
                if (!reserved[j]) {
                    continue;
                }
                assertThat(t.refs(page)).isZero();
                if (fill) {
                    assertThat(t.find(page)).isEqualTo(slots[j]);
                    t.fillAt(slots[j], page * 3);
                    ref.put(page, 1);
                } else {
                    assertThat(t.remove(page)).isZero();
                }
            }
            // Drop a few references, as unpins do.
            for (int k = 0; k < 8; k++) {
                long page = rnd.nextInt(4_000);
                long freed = t.releaseFrame(page);
                Integer had = ref.get(page);
                if (had == null) {
                    assertThat(freed).isEqualTo(PageRefTable.ABSENT);
                } else if (had == 1) {
                    assertThat(freed).isEqualTo(page * 3);
                    ref.remove(page);
                } else {
                    assertThat(freed).isEqualTo(PageRefTable.STILL_HELD);
                    ref.put(page, had - 1);
                }
            }
        }
        assertThat(t.size()).isEqualTo(ref.size());
        assertThat(t.totalRefs())
                .isEqualTo(ref.values().stream().mapToLong(Integer::longValue).sum());
        PageRefTable copy = new PageRefTable();
        t.addRefsTo(copy);
        for (Map.Entry<Long, Integer> e : ref.entrySet()) {
            assertThat(t.refs(e.getKey())).isEqualTo(e.getValue());
            assertThat(t.pfn(e.getKey())).isEqualTo(e.getKey() * 3);
            assertThat(copy.refs(e.getKey())).isEqualTo(e.getValue());
        }
        assertThat(copy.size()).isEqualTo(ref.size());
        assertThat(copy.totalRefs()).isEqualTo(t.totalRefs());
    }
}
