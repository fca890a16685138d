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
            assertThat(map.add(key, delta)).isEqualTo(expected);
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
}
