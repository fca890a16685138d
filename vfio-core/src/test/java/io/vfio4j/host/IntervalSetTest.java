package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IntervalSetTest {
    private final IntervalSet set = new IntervalSet();

    @Test
    void sameFromCountsTheRestOfAnIntervalOrOfAGap() {
        set.add(10, 5);
        set.add(30, 2);
        assertThat(set.sameFrom(0, 100)).isEqualTo(10); // the gap before the first interval
        assertThat(set.sameFrom(12, 100)).isEqualTo(3); // the rest of [10, 15)
        assertThat(set.sameFrom(12, 2)).isEqualTo(2); // capped
        assertThat(set.sameFrom(15, 100)).isEqualTo(15); // the gap up to 30
        assertThat(set.sameFrom(31, 100)).isEqualTo(1);
        assertThat(set.sameFrom(32, 100)).isEqualTo(100); // past the last interval
    }

    @Test
    void adjacentAndOverlappingRunsCoalesceInEitherOrder() {
        set.add(100, 10);
        set.add(90, 10); // touches from below
        set.add(110, 5); // touches from above
        set.add(95, 3); // inside

        assertThat(set.intervalCount()).isEqualTo(1);
        assertThat(set.count()).isEqualTo(25);
        assertThat(set.contains(89)).isFalse();
        assertThat(set.contains(90)).isTrue();
        assertThat(set.contains(114)).isTrue();
        assertThat(set.contains(115)).isFalse();

        set.add(200, 1);
        set.add(120, 5);
        set.add(80, 150); // swallows all three

        assertThat(set.intervalCount()).isEqualTo(1);
        assertThat(set.count()).isEqualTo(150);
    }

    @Test
    void aTerabyteOfRunsMarkedInReverseOrderIsOneInterval() {
        long run = 1L << 18;
        for (long r = 1023; r >= 0; r--) {
            set.add((1L << 32) + r * run, run);
        }
        assertThat(set.intervalCount()).isEqualTo(1);
        assertThat(set.count()).isEqualTo(1024 * run);
    }

    @Test
    void randomRunsMatchABitSet() {
        Random rnd = new Random(5);
        BitSet model = new BitSet();
        for (int step = 0; step < 20_000; step++) {
            int start = rnd.nextInt(4000);
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 64);
            set.add(start, n);
            model.set(start, start + n);
            if (step % 500 == 0) {
                assertMatches(model);
            }
        }
        assertMatches(model);
    }

    private void assertMatches(BitSet model) {
        assertThat(set.count()).isEqualTo(model.cardinality());
        for (int v = 0; v < 4100; v++) {
            assertThat(set.contains(v)).as("value %d", v).isEqualTo(model.get(v));
        }
        int runs = 0;
        for (int v = model.nextSetBit(0); v >= 0; v = model.nextSetBit(model.nextClearBit(v))) {
            runs++;
        }
        assertThat(set.intervalCount()).isEqualTo(runs);
    }
}
