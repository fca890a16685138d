package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FrameLayoutTest {
    /** Every page against a naive expansion of the documented layout: reversed runs, tail first. */
    @ParameterizedTest
    @CsvSource({"1000, 64", "1024, 64", "1000, 48", "7, 8", "512, 512", "100, 1"})
    void framesFollowTheReversedRunLayout(long pages, long runPages) {
        FrameLayout layout = new FrameLayout(5000, pages, runPages);
        long fullRuns = pages / runPages;
        long tail = pages % runPages;
        for (long index = 0; index < pages; index++) {
            long run = index / runPages;
            long offset = index % runPages;
            long expectedPfn =
                    run < fullRuns
                            ? 5000 + tail + (fullRuns - 1 - run) * runPages + offset
                            : 5000 + offset;
            long runLength = run < fullRuns ? runPages : tail;
            assertThat(layout.pfn(index)).as("pfn of page %d", index).isEqualTo(expectedPfn);
            assertThat(layout.contiguousFrom(index))
                    .as("contiguous from page %d", index)
                    .isEqualTo(runLength - offset);
        }
        assertThat(layout.runCount()).isEqualTo(fullRuns + (tail == 0 ? 0 : 1));
    }
}
