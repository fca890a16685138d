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
}
