package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongIntHashMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomAddsAndRemoves() {
        LongIntHashMap map = new LongIntHashMap();
        Map<Long, Integer> model = new HashMap<>();
        Random rnd = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            // A small key space forces collisions, growth, shrinking and backward shifts.
            long key = rnd.nextInt(5000) * 1024L;
            int delta = rnd.nextBoolean() ? 1 : -1;
            int current = model.getOrDefault(key, 0);
            if (current + delta < 0) {
                delta = 1;
            }
            int expected = current + delta;
            if (delta < 0 && i % 2 == 0) {
                assertThat(map.decrementIfPresent(key)).isTrue();
            } else {
                assertThat(map.add(key, delta)).isEqualTo(expected);
            }
            if (expected == 0) {
                model.remove(key);
            } else {
                model.put(key, expected);
            }
        }
        assertThat(map.size()).isEqualTo(model.size());
        model.forEach((k, v) -> assertThat(map.get(k)).isEqualTo(v));
        assertThat(map.sortedKeys())
                .containsExactly(
                        model.keySet().stream().mapToLong(Long::longValue).sorted().toArray());
    }

    @Test
    void decrementOfAnAbsentKeyChangesNothing() {
        LongIntHashMap map = new LongIntHashMap();
        map.add(5, 2);

        assertThat(map.decrementIfPresent(6)).isFalse();
        assertThat(map.decrementIfPresent(5)).isTrue();
        assertThat(map.get(5)).isEqualTo(1);
        assertThat(map.decrementIfPresent(5)).isTrue();
        assertThat(map.size()).isZero();
        assertThat(map.decrementIfPresent(5)).isFalse();
    }
}
