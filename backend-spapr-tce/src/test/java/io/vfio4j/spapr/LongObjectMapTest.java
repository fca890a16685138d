package io.vfio4j.spapr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongObjectMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomPutsAndRemoves() {
        LongObjectMap<String> map = new LongObjectMap<>();
        Map<Long, String> model = new HashMap<>();
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long key = random.nextInt(500);
            if (random.nextBoolean()) {
                map.put(key, "v" + i);
                model.put(key, "v" + i);
            } else {
                map.remove(key);
                model.remove(key);
            }
        }
        assertThat(map.size()).isEqualTo(model.size());
        for (long k = 0; k < 500; k++) {
            assertThat(map.get(k)).isEqualTo(model.get(k));
        }
        assertThat(map.anyKeyIn(0, 500)).isEqualTo(!model.isEmpty());
        assertThat(map.anyKeyIn(500, 1000)).isFalse();
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
        LongObjectMap<Integer> map = new LongObjectMap<>();
        Map<Long, Integer> model = new HashMap<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long key = key(rnd);
            if (rnd.nextInt(5) < 2) {
                map.remove(key);
                model.remove(key);
            } else {
                map.put(key, i);
                model.put(key, i);
            }
            if (i % 997 == 0) {
                assertSame(map, model);
            }
        }
        assertSame(map, model);
    }

    @Test
    void growsThroughManyKeysAndEmptiesAgain() {
        LongObjectMap<Long> map = new LongObjectMap<>();
        for (long k = -100_000; k < 100_000; k++) {
            map.put(k * 3, k);
        }
        assertThat(map.size()).isEqualTo(200_000);
        for (long k = -100_000; k < 100_000; k += 2) {
            map.remove(k * 3);
        }
        assertThat(map.size()).isEqualTo(100_000);
        for (long k = -99_999; k < 100_000; k += 2) {
            assertThat(map.get(k * 3)).isEqualTo(k);
            assertThat(map.get((k - 1) * 3)).isNull();
        }
        assertThat(map.anyKeyIn(-6, -5)).isFalse();
        assertThat(map.anyKeyIn(-6, -2)).isTrue(); // -3 = -1 * 3
        for (long k = -99_999; k < 100_000; k += 2) {
            map.remove(k * 3);
        }
        assertThat(map.size()).isZero();
        assertThat(map.anyKeyIn(Long.MIN_VALUE + 1, Long.MAX_VALUE)).isFalse();
    }

    @Test
    void theFreeSlotMarkerIsRefusedAndLeavesNoTrace() {
        LongObjectMap<String> map = new LongObjectMap<>();
        map.put(0, "zero");

        assertThatThrownBy(() -> map.put(LongObjectMap.EMPTY, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(map.get(LongObjectMap.EMPTY)).isNull();
        map.remove(LongObjectMap.EMPTY);
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.get(0)).isEqualTo("zero");
    }

    private static void assertSame(LongObjectMap<Integer> map, Map<Long, Integer> model) {
        assertThat(map.size()).isEqualTo(model.size());
        model.forEach((k, v) -> assertThat(map.get(k)).as("key %d", k).isEqualTo(v));
        for (long k = -310; k <= 310; k++) {
            assertThat(map.get(k)).as("key %d", k).isEqualTo(model.get(k));
        }
        Map<Long, Integer> seen = new HashMap<>();
        map.forEach(seen::put);
        assertThat(seen).isEqualTo(model);
        boolean small = model.keySet().stream().anyMatch(k -> k >= -300 && k < 301);
        assertThat(map.anyKeyIn(-300, 301)).isEqualTo(small);
    }
}
