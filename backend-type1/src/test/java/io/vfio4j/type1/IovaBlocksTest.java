package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Model-based: random edits of {@link IovaBlocks} against an unsigned {@link TreeMap}. */
class IovaBlocksTest {

    @ParameterizedTest(name = "{1} keys, order {0}, seed {2}")
    @CsvSource({
        "random, 50, 1",
        "random, 5000, 2",
        "random, 40000, 3",
        "ascending, 5000, 4",
        "descending, 5000, 5",
    })
    void matchesTreeMapModel(String order, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        IovaBlocks<Long> map = new IovaBlocks<>();
        TreeMap<Long, Long> model = new TreeMap<>(Long::compareUnsigned);
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Page-aligned IOVAs, half of them with the top bit set (above 2^63, unsigned).
            long k = ((long) i << 12) | (rnd.nextBoolean() ? Long.MIN_VALUE : 0);
            keys.add(k);
        }
        keys.sort(Long::compareUnsigned);
        if (order.equals("descending")) {
            java.util.Collections.reverse(keys);
        } else if (order.equals("random")) {
            java.util.Collections.shuffle(keys, new java.util.Random(seed));
        }
        for (long k : keys) {
            map.put(k, k + 1);
            model.put(k, k + 1);
            check(map, model, k + 4096 * (rnd.nextInt(3) - 1));
        }
        assertSame(map, model);
        assertThat(map.blockCount()).isLessThanOrEqualTo(n / 32 + 2);
        for (int step = 0; step < 3 * n; step++) {
            long k = keys.get(rnd.nextInt(n));
            switch (rnd.nextInt(3)) {
                // Looked up first, as a MAP or an UNMAP does: the edit then starts from the map's
                // remembered search, and the lookups after it must see the edit.
                case 0 -> {
                    check(map, model, k);
                    assertThat(map.remove(k)).isEqualTo(model.remove(k));
                    check(map, model, k);
                }
                case 1 -> {
                    check(map, model, k);
                    long v = rnd.nextLong();
                    map.put(k, v);
                    model.put(k, v);
                    check(map, model, k);
                }
                default -> check(map, model, k + rnd.nextInt(8192) - 4096);
            }
            assertThat(map.size()).isEqualTo(model.size());
            if (step % 1009 == 0) {
                assertSame(map, model);
            }
        }
        assertSame(map, model);
        for (long k : keys) {
            assertThat(map.remove(k)).isEqualTo(model.remove(k));
            check(map, model, k);
        }
        assertThat(map.size()).isZero();
        assertThat(map.blockCount()).isZero();
        assertThat(map.floor(-1L)).isNull();
        assertThat(map.higher(0)).isNull();
    }

    @org.junit.jupiter.api.Test
    void iteratorFailsFastOnChange() {
        IovaBlocks<Long> map = new IovaBlocks<>();
        map.put(1, 1L);
        map.put(2, 2L);
        Iterator<Long> it = map.iterator();
        it.next();
        map.put(3, 3L);
        assertThatThrownBy(it::next).isInstanceOf(ConcurrentModificationException.class);
    }

    private static void check(IovaBlocks<Long> map, TreeMap<Long, Long> model, long key) {
        var f = model.floorEntry(key);
        assertThat(map.floor(key)).isEqualTo(f == null ? null : f.getValue());
        var h = model.higherEntry(key);
        assertThat(map.higher(key)).isEqualTo(h == null ? null : h.getValue());
        for (long limit : new long[] {key, key + 4095, key + 4096, key + 8192, -1L}) {
            Long expected =
                    h != null && Long.compareUnsigned(h.getKey(), limit) <= 0 ? h.getValue() : null;
            assertThat(map.higherUpTo(key, limit))
                    .as("higherUpTo(%x, %x)", key, limit)
                    .isEqualTo(expected);
        }
    }

    private static void assertSame(IovaBlocks<Long> map, TreeMap<Long, Long> model) {
        List<Long> got = new ArrayList<>();
        map.iterator().forEachRemaining(got::add);
        assertThat(got).containsExactlyElementsOf(model.values());
    }
}
