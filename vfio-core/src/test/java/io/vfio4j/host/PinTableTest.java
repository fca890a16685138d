package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PinTableTest {
    /** A bank over the first 2^40 frames: the pin table behind its lock, with no allocator. */
    private final FrameBank memory = new FrameBank(0, 1L << 40);

    private long pinnedFrames() {
        long[] total = new long[1];
        memory.forEachPinned((pfn, pages, count) -> total[0] += pages);
        return total[0];
    }

    private List<long[]> segments() {
        List<long[]> out = new ArrayList<>();
        memory.forEachPinned((pfn, pages, count) -> out.add(new long[] {pfn, pages, count}));
        return out;
    }

    @Test
    void overlappingRunsSplitIntoSegmentsAndCoalesceBack() {
        memory.pin(100, 100);
        memory.pin(150, 100);

        assertThat(segments())
                .containsExactly(
                        new long[] {100, 50, 1}, new long[] {150, 50, 2}, new long[] {200, 50, 1});
        assertThat(memory.totalPins()).isEqualTo(200);
        assertThat(pinnedFrames()).isEqualTo(150);
        assertThat(memory.pinCount(199)).isEqualTo(2);
        assertThat(memory.pinCount(250)).isZero();

        memory.unpin(150, 100, false);

        assertThat(segments()).containsExactly(new long[] {100, 100, 1});
        assertThat(memory.segmentCount()).isEqualTo(1);
    }

    @Test
    void adjacentRunsPinnedOutOfOrderMergeIntoOneSegment() {
        memory.pin(300, 100);
        memory.pin(100, 100);
        memory.pin(200, 100);

        assertThat(memory.segmentCount()).isEqualTo(1);
        assertThat(segments()).containsExactly(new long[] {100, 300, 1});
    }

    @Test
    void unpinningWhatIsNotPinnedIsAnIllegalStateAndChangesNothing() {
        memory.pin(100, 10);

        assertThatThrownBy(() -> memory.unpin(105, 10, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("0x6e");
        assertThatThrownBy(() -> memory.unpin(50, 1, false))
                .isInstanceOf(IllegalStateException.class);
        assertThat(memory.totalPins()).isEqualTo(10);
        assertThat(segments()).containsExactly(new long[] {100, 10, 1});
    }

    @Test
    void singleFramePinsMixWithRuns() {
        memory.pin(100, 10);
        memory.pin(105, 1);
        memory.pin(120, 1);
        memory.pin(120, 1);

        assertThat(memory.pinCount(105)).isEqualTo(2);
        assertThat(segments())
                .containsExactly(
                        new long[] {100, 5, 1},
                        new long[] {105, 1, 2},
                        new long[] {106, 4, 1},
                        new long[] {120, 1, 2});

        memory.unpin(100, 10, false);
        memory.unpin(120, 1, false);

        assertThat(segments()).containsExactly(new long[] {105, 1, 1}, new long[] {120, 1, 1});
        assertThat(memory.totalPins()).isEqualTo(2);
    }

    @Test
    void aRangeUnpinMayCoverFramesPinnedOneByOne() {
        memory.pin(7, 1);
        memory.pin(8, 1);
        memory.pin(9, 3);

        memory.unpin(7, 5, false);

        assertThat(memory.totalPins()).isZero();
        assertThat(memory.segmentCount()).isZero();
    }

    @Test
    void repinNeedsPinnedFrames() {
        memory.pin(100, 4);

        memory.repin(101, 2);

        assertThat(memory.pinCount(101)).isEqualTo(2);
        assertThat(memory.pinCount(103)).isEqualTo(1);
        assertThatThrownBy(() -> memory.repin(103, 2)).isInstanceOf(IllegalStateException.class);
        assertThat(memory.pinCount(103)).isEqualTo(1);
        assertThat(memory.totalPins()).isEqualTo(6);
    }

    @Test
    void aMillionScatteredSinglePinsStayPrimitive() {
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            memory.pin(1000L + 3L * i, 1);
        }

        assertThat(memory.totalPins()).isEqualTo(n);
        assertThat(memory.segmentCount()).isEqualTo(n);
        assertThat(pinnedFrames()).isEqualTo(n);
        assertThat(memory.pinCount(1000L + 3L * 777_777)).isEqualTo(1);
        assertThat(memory.pinCount(1001L + 3L * 777_777)).isZero();

        for (int i = 0; i < n; i++) {
            memory.unpin(1000L + 3L * i, 1, false);
        }
        assertThat(memory.segmentCount()).isZero();
        assertThat(memory.totalPins()).isZero();
    }

    @Test
    void randomOperationsMatchANaiveModel() {
        runAgainstModel(new Random(42), 64, 8);
    }

    /** Long runs: MAP-like pins and unpins that hit the fast paths and the general path. */
    @Test
    void randomLongRunsMatchANaiveModel() {
        runAgainstModel(new Random(4242), 512, 96);
    }

    private void runAgainstModel(Random rnd, int frames, int maxRun) {
        long[] model = new long[frames];
        for (int step = 0; step < 20_000; step++) {
            int start = rnd.nextInt(frames);
            int pages = 1 + rnd.nextInt(Math.min(maxRun, frames - start));
            boolean pinnedEverywhere = true;
            for (int p = start; p < start + pages; p++) {
                pinnedEverywhere &= model[p] > 0;
            }
            int op = rnd.nextInt(3);
            if (op == 0 || !pinnedEverywhere) {
                memory.pin(start, pages);
                for (int p = start; p < start + pages; p++) {
                    model[p]++;
                }
            } else if (op == 1) {
                memory.unpin(start, pages, false);
                for (int p = start; p < start + pages; p++) {
                    model[p]--;
                }
            } else {
                memory.repin(start, pages);
                for (int p = start; p < start + pages; p++) {
                    model[p]++;
                }
            }
            if (step % 97 == 0) {
                assertMatches(model);
            }
        }
        assertMatches(model);
    }

    private void assertMatches(long[] model) {
        long total = 0;
        for (int p = 0; p < model.length; p++) {
            assertThat(memory.pinCount(p)).as("frame %d", p).isEqualTo(model[p]);
            total += model[p];
        }
        assertThat(memory.totalPins()).isEqualTo(total);
        long[] rebuilt = new long[model.length];
        long[] prevEnd = {-1};
        long[] prevCount = {-1};
        memory.forEachPinned(
                (pfn, pages, count) -> {
                    // Maximal segments: a neighbour never has the same count.
                    assertThat(pfn == prevEnd[0] && count == prevCount[0]).isFalse();
                    for (long p = pfn; p < pfn + pages; p++) {
                        rebuilt[(int) p] = count;
                    }
                    prevEnd[0] = pfn + pages;
                    prevCount[0] = count;
                });
        assertThat(rebuilt).isEqualTo(model);
    }
}
