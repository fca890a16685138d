package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlockSearchTest {
    /** Both searches give the last row at or below the key, for any size, stride and key order. */
    @Test
    void bothSearchesFindTheLastRowAtOrBelowTheKey() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int trial = 0; trial < 3_000; trial++) {
            int n = 1 + rnd.nextInt(trial % 10 == 0 ? 600 : 140);
            int stride = 1 + rnd.nextInt(4);
            int from = rnd.nextInt(5);
            long flip = rnd.nextBoolean() ? Long.MIN_VALUE : 0;
            long[] a = new long[(from + n) * stride];
            long key = rnd.nextLong(-1_000, 1_000);
            for (int r = 0; r < n; r++) {
                key += 1 + rnd.nextInt(5);
                // Stored with the flip, as SortedBlocks stores unsigned keys.
                a[(from + r) * stride] = key ^ flip;
            }
            long first = a[from * stride] ^ flip;
            long last = a[(from + n - 1) * stride] ^ flip;
            long k = first + rnd.nextLong(Math.max(1, last - first + 10));
            int expected = from;
            for (int r = from; r < from + n; r++) {
                if ((a[r * stride] ^ flip) <= k) {
                    expected = r;
                }
            }

            assertThat(BlockSearch.halving(a, from, n, stride, k, flip))
                    .as("halving, trial %d", trial)
                    .isEqualTo(expected);
            assertThat(BlockSearch.scanning(a, from, n, stride, k, flip))
                    .as("scanning, trial %d", trial)
                    .isEqualTo(expected);
        }
    }
}
