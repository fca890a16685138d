package io.vfio4j.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.host.PinnedRun;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-reservation pin tables and dirty marks behind {@link SimPhysicalMemory}. */
class FrameBankTest {
    private static final long VA = 0x4000_0000L;
    private static final long GIB = 1L << 30;

    private final SimHost host = SimHost.builder().build();
    private final SimPhysicalMemory memory = host.memory();

    private PinnedRun mapAndPin(long bytes, long pages) {
        SimProcess p = host.spawnProcess(ProcessSpec.defaults());
        p.mmap(RegionSpec.anonymous(VA, bytes));
        return p.simAddressSpace().orElseThrow().pinRun(VA, pages, true);
    }

    private List<long[]> segments() {
        List<long[]> out = new ArrayList<>();
        memory.forEachPinned((pfn, pages, count) -> out.add(new long[] {pfn, pages, count}));
        return out;
    }

    @Test
    void framesOutsideEveryReservationAreNeverPinned() {
        PinnedRun run = mapAndPin(1 << 20, 4);

        assertThatThrownBy(() -> memory.unpin(1, 1, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("0x1 which is not pinned");
        // The region has 256 frames; a run past its end crosses the gap frame.
        assertThatThrownBy(() -> memory.unpin(run.pfn(), 1000, false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not pinned");
        assertThatThrownBy(() -> memory.repin(run.pfn() - 1, 2))
                .isInstanceOf(IllegalStateException.class);
        assertThat(memory.pinCount(1)).isZero();
        assertThat(memory.totalPins()).isEqualTo(4);
        assertThat(segments()).containsExactly(new long[] {run.pfn(), 4, 1});
    }

    @Test
    void reservationsKeepSeparateTablesAndAreVisitedInFrameOrder() {
        PinnedRun a = mapAndPin(1 << 20, 4);
        PinnedRun b = mapAndPin(1 << 20, 2);

        assertThat(b.pfn()).isGreaterThan(a.pfn());
        assertThat(segments())
                .containsExactly(new long[] {a.pfn(), 4, 1}, new long[] {b.pfn(), 2, 1});
        assertThat(memory.totalPins()).isEqualTo(6);
        assertThat(memory.segmentCount()).isEqualTo(2);

        memory.unpin(a.pfn(), 4, true);

        assertThat(memory.totalPins()).isEqualTo(2);
        assertThat(memory.dirtyPages()).isEqualTo(4);
        assertThat(memory.isDirty(a.pfn() + 3)).isTrue();
        assertThat(memory.isDirty(b.pfn())).isFalse();
        assertThat(memory.isDirty(-5)).isFalse();
    }

    @Test
    void scatteredSingleFrameMarksAreCountedOnceAcrossChunksAndRuns() {
        FrameBank bank = new FrameBank(1000, 3L << 18);
        long[] frames = {1000, 1063, 1064, 1000 + (1L << 18), 1000 + (3L << 18) - 1};
        for (long f : frames) {
            bank.pin(f, 1);
            bank.unpin(f, 1, true);
        }
        // Marked twice: still one frame.
        bank.pin(1063, 1);
        bank.unpin(1063, 1, true);
        // A run over frames already marked one by one counts each frame once.
        bank.pin(1060, 8);
        bank.unpin(1060, 8, true);

        assertThat(bank.dirtyPages()).isEqualTo(8 + 3);
        for (long f : frames) {
            assertThat(bank.isDirty(f)).as("frame %d", f).isTrue();
        }
        assertThat(bank.isDirty(1065)).isTrue();
        assertThat(bank.isDirty(1068)).isFalse();
        assertThat(bank.isDirty(1001)).isFalse();
        assertThat(bank.isDirty(999)).isFalse();
        assertThat(bank.isDirty(1000 + (3L << 18))).isFalse();
    }

    @Test
    void marksWaitingToBeWrittenAreSeenByEveryQuery() {
        // More scattered marks than wait at once, with queries between them: each query sees
        // every mark made before it, whether written to the bitmap yet or not.
        long base = 1000;
        FrameBank bank = new FrameBank(base, 3L << 18);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
        java.util.TreeSet<Long> model = new java.util.TreeSet<>();
        for (int i = 0; i < 5 * DirtyFrames.PENDING + 3; i++) {
            long f = base + rnd.nextLong(3L << 18);
            long n = 1 + rnd.nextInt(3);
            n = Math.min(n, base + (3L << 18) - f);
            bank.pin(f, n);
            bank.unpin(f, n, true);
            for (long g = f; g < f + n; g++) {
                model.add(g);
            }
            if (i % 37 == 0) {
                assertThat(bank.isDirty(f)).isTrue();
                assertThat(bank.isDirty(f + n)).isEqualTo(model.contains(f + n));
            }
            if (i % 53 == 0) {
                assertThat(bank.dirtyPages()).isEqualTo(model.size());
            }
        }
        assertThat(bank.dirtyPages()).isEqualTo(model.size());
        for (long g : model) {
            assertThat(bank.isDirty(g)).as("frame %d", g).isTrue();
            assertThat(bank.isDirty(g + 1)).isEqualTo(model.contains(g + 1));
        }
    }

    @Test
    void smallRunsAcrossWordAndChunkBoundariesAndLongRunsAreCountedOnce() {
        long base = 1000;
        FrameBank bank = new FrameBank(base, 3L << 18);
        long chunkEdge = base + (1L << 18);
        long[][] runs = {
            {base + 60, 10}, // crosses a word
            {chunkEdge - 100, 300}, // crosses a chunk
            {base + 128, 64}, // exactly one word
            {chunkEdge + 1000, DirtyFrames.BITMAP_RUN}, // the longest bitmap run
            {chunkEdge + 900, 2 * DirtyFrames.BITMAP_RUN} // an interval over bitmap marks
        };
        for (long[] r : runs) {
            bank.pin(r[0], r[1]);
            bank.unpin(r[0], r[1], true);
        }

        long expected = 10 + 300 + 64 + 2 * DirtyFrames.BITMAP_RUN;
        assertThat(bank.dirtyPages()).isEqualTo(expected);
        assertThat(bank.isDirty(base + 59)).isFalse();
        assertThat(bank.isDirty(base + 60)).isTrue();
        assertThat(bank.isDirty(base + 69)).isTrue();
        assertThat(bank.isDirty(base + 70)).isFalse();
        assertThat(bank.isDirty(chunkEdge - 101)).isFalse();
        assertThat(bank.isDirty(chunkEdge - 100)).isTrue();
        assertThat(bank.isDirty(chunkEdge + 199)).isTrue();
        assertThat(bank.isDirty(base + 127)).isFalse();
        assertThat(bank.isDirty(base + 191)).isTrue();
        assertThat(bank.isDirty(base + 192)).isFalse();
        assertThat(bank.isDirty(chunkEdge + 899)).isFalse();
        assertThat(bank.isDirty(chunkEdge + 900 + 2 * DirtyFrames.BITMAP_RUN - 1)).isTrue();
        assertThat(bank.isDirty(chunkEdge + 900 + 2 * DirtyFrames.BITMAP_RUN)).isFalse();
    }

    @Test
    void twoVmsPinningTheirOwnMemoryConcurrentlyEndWithExactCounts() throws Exception {
        int threads = 2;
        int rounds = 20_000;
        PinnedRun[] guests = new PinnedRun[threads];
        for (int t = 0; t < threads; t++) {
            guests[t] = mapAndPin(GIB, 1);
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long pfn = guests[t].pfn();
                done.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    for (int i = 0; i < rounds; i++) {
                                        memory.repin(pfn, 1);
                                        if (i % 2 == 0) {
                                            memory.unpin(pfn, 1, true);
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (PinnedRun g : guests) {
            assertThat(memory.pinCount(g.pfn())).isEqualTo(1 + rounds / 2);
            assertThat(memory.isDirty(g.pfn())).isTrue();
        }
        assertThat(memory.totalPins()).isEqualTo(threads * (1 + rounds / 2L));
        assertThat(memory.dirtyPages()).isEqualTo(threads);
    }
}
