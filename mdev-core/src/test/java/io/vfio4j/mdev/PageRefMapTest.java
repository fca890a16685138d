package io.vfio4j.mdev;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The primitive page map behaves like a sorted map of reference counts, through growth and
 * deletion.
 */
class PageRefMapTest {
    /** An operation: add (pfn = key * 3) or release, on a key. */
    record Op(boolean add, long key) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        // Few keys, many collisions; a few keys far apart and one above 2^63 (unsigned order).
        Arbitrary<Long> keys =
                Arbitraries.oneOf(
                        Arbitraries.longs().between(0, 40),
                        Arbitraries.of(1L << 40, (1L << 52) - 1, Long.MIN_VALUE + 5));
        return Arbitraries.of(true, false)
                .flatMap(a -> keys.map(k -> new Op(a, k)))
                .list()
                .ofMaxSize(400);
    }

    @Property(tries = 200)
    void matchesASortedMapOfCounts(@ForAll("ops") List<Op> ops) {
        PageRefMap map = new PageRefMap();
        TreeMap<Long, Integer> model = new TreeMap<>(Long::compareUnsigned);
        for (Op op : ops) {
            if (op.add()) {
                map.add(op.key(), op.key() * 3);
                model.merge(op.key(), 1, Integer::sum);
            } else {
                int left = map.release(op.key());
                model.computeIfPresent(op.key(), (k, v) -> v == 1 ? null : v - 1);
                assertThat(left).isEqualTo(model.getOrDefault(op.key(), 0));
            }
        }
        assertThat(map.size()).isEqualTo(model.size());
        assertThat(map.totalRefs())
                .isEqualTo(model.values().stream().mapToLong(Integer::longValue).sum());
        assertThat(map.keys())
                .containsExactly(model.keySet().stream().mapToLong(Long::longValue).toArray());
        for (Map.Entry<Long, Integer> e : model.entrySet()) {
            assertThat(map.refs(e.getKey())).isEqualTo(e.getValue());
            assertThat(map.pfn(e.getKey())).isEqualTo(e.getKey() * 3);
        }
        assertThat(map.keysIn(10, 20))
                .containsExactly(
                        model.subMap(10L, true, 20L, true).keySet().stream()
                                .mapToLong(Long::longValue)
                                .toArray());
    }
}
