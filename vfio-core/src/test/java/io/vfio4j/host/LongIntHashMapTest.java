package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        LongIntHashMap map = new LongIntHashMap();
        Map<Long, Integer> model = new HashMap<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long key = key(rnd);
            int op = rnd.nextInt(3);
            int current = model.getOrDefault(key, 0);
            if (op == 0) {
                assertThat(map.decrementIfPresent(key)).isEqualTo(current > 0);
                if (current > 0) {
                    model.merge(key, -1, Integer::sum);
                }
            } else if (op == 1 && current > 0) {
                assertThat(map.add(key, -current)).isZero(); // removes the entry
                model.put(key, 0);
            } else {
                int delta = 1 + rnd.nextInt(3);
                assertThat(map.add(key, delta)).isEqualTo(current + delta);
                model.merge(key, delta, Integer::sum);
            }
            model.remove(key, 0);
            if (i % 997 == 0) {
                assertSame(map, model);
            }
        }
        assertSame(map, model);
    }

    @Test
    void growsAndShrinksThroughAMillionDistinctKeys() {
        LongIntHashMap map = new LongIntHashMap();
        for (long k = -500_000; k < 500_000; k++) {
            map.add(k * 7, 1);
        }
        assertThat(map.size()).isEqualTo(1_000_000);
        assertThat(map.get(-3_500_000)).isEqualTo(1);
        assertThat(map.get(-3_500_001)).isZero();
        for (long k = -500_000; k < 500_000; k += 2) {
            assertThat(map.decrementIfPresent(k * 7)).isTrue();
        }
        assertThat(map.size()).isEqualTo(500_000);
        for (long k = -499_999; k < 500_000; k += 2) {
            assertThat(map.get(k * 7)).isEqualTo(1);
            assertThat(map.get((k - 1) * 7)).isZero();
        }
        for (long k = -499_999; k < 500_000; k += 2) {
            map.add(k * 7, -1);
        }
        assertThat(map.size()).isZero();
        assertThat(map.sortedKeys()).isEmpty();
    }

    @Test
    void theFreeSlotMarkerIsRefusedAndLeavesNoTrace() {
        LongIntHashMap map = new LongIntHashMap();
        map.add(0, 1);

        assertThatThrownBy(() -> map.add(LongIntHashMap.EMPTY, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(map.get(LongIntHashMap.EMPTY)).isZero();
        assertThat(map.decrementIfPresent(LongIntHashMap.EMPTY)).isFalse();
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.sortedKeys()).containsExactly(0);
    }

    private static void assertSame(LongIntHashMap map, Map<Long, Integer> model) {
        assertThat(map.size()).isEqualTo(model.size());
        model.forEach((k, v) -> assertThat(map.get(k)).as("key %d", k).isEqualTo(v));
        for (long k = -310; k <= 310; k++) {
            assertThat(map.get(k)).as("key %d", k).isEqualTo(model.getOrDefault(k, 0));
        }
        assertThat(map.sortedKeys())
                .containsExactly(
                        model.keySet().stream().mapToLong(Long::longValue).sorted().toArray());
    }

    @Test
    void aMassUnpinGivesTheMemoryBack() {
        LongIntHashMap map = new LongIntHashMap();
        for (long pfn = 0; pfn < 10_000; pfn++) {
            map.add(pfn, 1);
        }
        // 10,000 entries at most 3/4 full: the first power of two >= 13,334.
        assertThat(map.capacity()).isEqualTo(16_384);
        for (long pfn = 1_000; pfn < 10_000; pfn++) {
            assertThat(map.decrementIfPresent(pfn)).isTrue();
        }
        // 1,000 left: halved while under 1/8 full, down to the last power of two <= 8,000.
        assertThat(map.capacity()).isEqualTo(4_096);
        assertThat(map.sortedKeys()).hasSize(1_000).startsWith(0, 1).endsWith(998, 999);
        assertThat(map.get(999)).isEqualTo(1);
        assertThat(map.get(1_000)).isZero();
        for (long pfn = 0; pfn < 1_000; pfn++) {
            assertThat(map.decrementIfPresent(pfn)).isTrue();
        }
        assertThat(map.capacity()).isEqualTo(1_024); // halving stops at the floor
    }

    @Test
    void aSmallTableFilledAndEmptiedOverAndOverKeepsItsCapacity() {
        LongIntHashMap map = new LongIntHashMap();
        for (int cycle = 0; cycle < 1_000; cycle++) {
            // A 16-page pin of scattered frames, then its unpin.
            for (long pfn = 0; pfn < 16; pfn++) {
                map.add(pfn * 4_099, 1);
            }
            // 16 entries at most 3/4 full: 32 slots, grown once in the first cycle.
            assertThat(map.capacity()).isEqualTo(32);
            for (long pfn = 0; pfn < 16; pfn++) {
                assertThat(map.decrementIfPresent(pfn * 4_099)).isTrue();
            }
            assertThat(map.capacity()).isEqualTo(32);
        }
        assertThat(map.size()).isZero();
    }
}
