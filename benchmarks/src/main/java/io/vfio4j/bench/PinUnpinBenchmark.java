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
    static final class PinCursor {
        private static final int RANDOM_STARTS = 1 << 20;
        private final long pages;
        private final int batch;
        private final long[] starts;
        private long next;
        private int index;

        PinCursor(long pages, int batch, boolean random, long seed) {
            this.pages = pages;
            this.batch = batch;
            if (random) {
                SplittableRandom rnd = new SplittableRandom(seed);
                starts = new long[RANDOM_STARTS];
                for (int i = 0; i < starts.length; i++) {
                    starts[i] = rnd.nextLong(pages - batch + 1);
                }
            } else {
                starts = null;
            }
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
