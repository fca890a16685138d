package io.vfio4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PinMomentsTest {
    /** The closed forms for a run equal the sums over its frames, wrapping included. */
    @Test
    void aRunEqualsItsFramesOneByOne() {
        SplittableRandom random = new SplittableRandom(14);
        for (int trial = 0; trial < 2_000; trial++) {
            long pfn = trial % 3 == 0 ? random.nextLong() : random.nextLong(1L << 40);
            long pages = 1 + random.nextInt(300);
            long pins = 1 + random.nextInt(3);
            PinMoments run = new PinMoments();
            run.add(pfn, pages, pins);
            PinMoments frames = new PinMoments();
            long s1 = 0;
            long s2 = 0;
            for (long k = 0; k < pages; k++) {
                frames.add(pfn + k, 1, pins);
                s1 += (pfn + k) * pins;
                s2 += (pfn + k) * (pfn + k) * pins;
            }
            assertTrue(run.sameAs(frames), () -> run + " vs " + frames);
            assertEquals(pages * pins, run.pins());
            assertEquals(s1, run.pfnSum());
            assertEquals(s2, run.pfnSquareSum());
        }
    }

    @Test
    void unpinningEveryRunBringsTheTotalsBackToZeroAndAMovedRunDiffers() {
        PinMoments m = new PinMoments();
        m.add(0x1000, 512, 1);
        m.add(0x5000, 64, 2);
        PinMoments moved = new PinMoments();
        moved.add(0x1001, 512, 1);
        moved.add(0x5000, 64, 2);
        assertFalse(m.sameAs(moved));
        m.add(0x5000, 64, -2);
        m.add(0x1000, 512, -1);
        assertTrue(m.sameAs(new PinMoments()));
        assertEquals(0, m.pins());
    }
}
