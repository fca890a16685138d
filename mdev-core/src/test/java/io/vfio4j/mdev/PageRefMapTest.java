package io.vfio4j.mdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

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
        PageRefMap map = new PageRefMap();
        Map<Long, Integer> model = new HashMap<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long key = key(rnd);
            if (rnd.nextInt(5) < 2) {
                int left = map.release(key);
                model.computeIfPresent(key, (k, v) -> v == 1 ? null : v - 1);
                assertThat(left).isEqualTo(model.getOrDefault(key, 0));
            } else {
                map.add(key, key ^ 5);
                model.merge(key, 1, Integer::sum);
            }
            if (i % 997 == 0) {
                assertSame(map, model);
            }
        }
        assertSame(map, model);
    }

    @Test
    void growsThroughManyKeysAndEmptiesAgain() {
        PageRefMap map = new PageRefMap();
        for (long k = -100_000; k < 100_000; k++) {
            map.add(k * 3, k);
        }
        assertThat(map.size()).isEqualTo(200_000);
        for (long k = -100_000; k < 100_000; k += 2) {
            assertThat(map.release(k * 3)).isZero();
        }
        assertThat(map.size()).isEqualTo(100_000);
        for (long k = -99_999; k < 100_000; k += 2) {
            assertThat(map.pfn(k * 3)).isEqualTo(k);
            assertThat(map.refs((k - 1) * 3)).isZero();
        }
        for (long k = -99_999; k < 100_000; k += 2) {
            map.release(k * 3);
        }
        assertThat(map.size()).isZero();
        assertThat(map.totalRefs()).isZero();
        assertThat(map.keys()).isEmpty();
    }

    @Test
    void theFreeSlotMarkerIsRefusedAndLeavesNoTrace() {
        PageRefMap map = new PageRefMap();
        map.add(0, 9);

        assertThatThrownBy(() -> map.add(PageRefMap.EMPTY, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(map.refs(PageRefMap.EMPTY)).isZero();
        assertThat(map.pfn(PageRefMap.EMPTY)).isEqualTo(-1);
        assertThat(map.release(PageRefMap.EMPTY)).isZero();
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.totalRefs()).isEqualTo(1);
        assertThat(map.keys()).containsExactly(0);
    }

    private static void assertSame(PageRefMap map, Map<Long, Integer> model) {
        assertThat(map.size()).isEqualTo(model.size());
        assertThat(map.totalRefs())
                .isEqualTo(model.values().stream().mapToLong(Integer::longValue).sum());
        model.forEach(
                (k, v) -> {
                    assertThat(map.refs(k)).as("key %d", k).isEqualTo(v);
                    assertThat(map.pfn(k)).isEqualTo(k ^ 5);
                });
        for (long k = -310; k <= 310; k++) {
            assertThat(map.refs(k)).as("key %d", k).isEqualTo(model.getOrDefault(k, 0));
        }
        long[] unsigned = model.keySet().stream().mapToLong(Long::longValue).toArray();
        for (int i = 0; i < unsigned.length; i++) {
            unsigned[i] ^= Long.MIN_VALUE;
        }
        java.util.Arrays.sort(unsigned);
        for (int i = 0; i < unsigned.length; i++) {
            unsigned[i] ^= Long.MIN_VALUE;
        }
        assertThat(map.keys()).containsExactly(unsigned);
    }
}
