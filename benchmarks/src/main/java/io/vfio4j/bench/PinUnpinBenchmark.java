package io.vfio4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * External (mdev) pin + unpin on type1: a container with one emulated group whose device pins, no
 * IOMMU domain (so every new pin is charged, per run), guest RAM of 4 KiB anonymous pages in the
 * host's default 64-page physical runs, mapped with one MAP_DMA. One operation pins {@code batch}
 * contiguous pages from an IOVA (sequential: walking the guest; random: a uniformly random start)
 * and unpins them again. The {@code pages} row is pages per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PinUnpinBenchmark {
    @Param({"4g", "64g", "1t"})
    public String guest;

    @Param({"1", "16", "512"})
    public int batch;

    @Param({"seq", "random"})
    public String pattern;

    private Type1Rig rig;
    private PinCursor cursor;
    private final long[] pfns = new long[512];

    @Setup(Level.Trial)
    public void setUp() {
        rig =
                new Type1Rig(
                        Type1Rig.x86Host(),
                        1,
                        false,
                        true,
                        Type1Rig.Backing.ANON,
                        Sizes.parse(guest));
        rig.map();
        cursor = new PinCursor(rig.guestPages, batch, pattern.equals("random"), 42);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rig.ops.release();
    }

    @Benchmark
    public long pinUnpin(PageCounter counter) {
        long iova = Type1Rig.iova(cursor.next());
        rig.ops.pinPages(rig.mdev, iova, batch, Type1Rig.RW, pfns);
        rig.ops.unpinPages(rig.mdev, iova, batch);
        counter.pages += batch;
        return pfns[0];
    }

    /** The first page of each call: sequential through the guest, or uniformly random. */
    /** 64 bytes in front of {@link PinCursor}'s fields (superclass fields are laid out first). */
    abstract static class CursorLeadingPad {
        @SuppressWarnings("unused")
        private long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** The cursor's fields, between two paddings. */
    abstract static class CursorFields extends CursorLeadingPad {
        static final int RANDOM_STARTS = 1 << 20;
        final long pages;
        final int batch;
        final long[] starts;
        long next;
        int index;

        CursorFields(long pages, int batch, long[] starts) {
            this.pages = pages;
            this.batch = batch;
            this.starts = starts;
        }
    }

    /**
     * Where the next pin goes. Written on every operation, so padded on both sides: in the
     * two-thread benchmarks a copying collection otherwise may put one thread's cursor in the cache
     * line of the other thread's state, and the two cores then pass that line back and forth on
     * every call (issue 17: this alone made two threads slower than one in some forks).
     */
    static final class PinCursor extends CursorFields {
        @SuppressWarnings("unused")
        private long q00, q01, q02, q03, q04, q05, q06, q07;

        PinCursor(long pages, int batch, boolean random, long seed) {
            super(pages, batch, random ? randomStarts(pages, batch, seed) : null);
        }

        private static long[] randomStarts(long pages, int batch, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            long[] starts = new long[RANDOM_STARTS];
            for (int i = 0; i < starts.length; i++) {
                starts[i] = rnd.nextLong(pages - batch + 1);
            }
            return starts;
        }

        long next() {
            if (starts != null) {
                long s = starts[index];
                index = (index + 1) & (RANDOM_STARTS - 1);
                return s;
            }
            long s = next;
            next += batch;
            if (next + batch > pages) {
                next = 0;
            }
            return s;
        }
    }
}
