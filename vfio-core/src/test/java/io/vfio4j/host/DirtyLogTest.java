package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.host.IovaRange;
import org.junit.jupiter.api.Test;

/** The dirty marks of a simulated IOMMU domain, in runs of whole 4 KiB pages. */
class DirtyLogTest {
    private static final long P = 4096;

    @Test
    void marksAreWholePagesMergedWhenTheyTouchAndTakenOnlyWhileTracking() {
        DirtyLog log = new DirtyLog(12);
        log.mark(0, P - 1);
        assertThat(log.read(0, -1L, true)).isEmpty();
        log.setTracking(true);
        log.mark(5 * P + 1, 5 * P + 1); // page 5
        log.mark(3 * P, 3 * P); // page 3
        log.mark(4 * P + 7, 4 * P + 9); // page 4 joins 3 and 5
        log.mark(9 * P, 10 * P); // pages 9 and 10
        assertThat(log.read(0, -1L, true))
                .containsExactly(new IovaRange(3 * P, 6 * P - 1), new IovaRange(9 * P, 11 * P - 1));
        // A read is clipped to its range and clears only that range.
        assertThat(log.read(4 * P, 10 * P - 1, false))
                .containsExactly(new IovaRange(4 * P, 6 * P - 1), new IovaRange(9 * P, 10 * P - 1));
        assertThat(log.read(0, -1L, true))
                .containsExactly(
                        new IovaRange(3 * P, 4 * P - 1), new IovaRange(10 * P, 11 * P - 1));
    }

    @Test
    void aMarkAtTheTopOfTheAddressSpaceAndAClearThatSplitsARun() {
        DirtyLog log = new DirtyLog(12);
        log.setTracking(true);
        log.mark(-P, -1L);
        log.mark(-2 * P, -2 * P);
        log.mark(0, 8 * P - 1);
        log.clear(2 * P, 3 * P - 1);
        assertThat(log.read(0, -1L, true))
                .containsExactly(
                        new IovaRange(0, 2 * P - 1),
                        new IovaRange(3 * P, 8 * P - 1),
                        new IovaRange(-2 * P, -1L));
        // Starting again drops the stale marks.
        log.setTracking(false);
        log.setTracking(true);
        assertThat(log.read(0, -1L, true)).isEmpty();
    }
}
