package io.vfio4j.bench;

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
 * SPAPR TCE v2: TCE put and clear (MAP_DMA then UNMAP_DMA of {@code entries} IOMMU pages of 64 KiB,
 * walking a 16 GiB dynamic window over 16 GiB of preregistered guest RAM), and the create and
 * remove of a dynamic DMA window. The {@code pages} row of {@code putClear} is TCE entries per
 * second (each entry written once and cleared once).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpaprTceBenchmark {
    static final int PAGE_SHIFT = 16;

    /** A v2 container with a 16 GiB window over 16 GiB of preregistered RAM. */
    @State(Scope.Thread)
    public static class Window {
        @Param({"1", "16", "16384"})
        public int entries;

        SpaprRig rig;
        long busStart;
        long offset;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new SpaprRig(16 * Sizes.GIB);
            busStart = rig.create(PAGE_SHIFT, rig.guestBytes, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    @Benchmark
    public void putClear(Window w, PageCounter counter) {
        long bytes = (long) w.entries << PAGE_SHIFT;
        long off = w.offset;
        w.rig.map(SpaprRig.VADDR + off, w.busStart + off, bytes);
        w.rig.unmap(w.busStart + off, bytes);
        off += bytes;
        w.offset = off + bytes > w.rig.guestBytes ? 0 : off;
        counter.pages += w.entries;
    }

    /** A v2 container with preregistered RAM and no dynamic window. */
    @State(Scope.Thread)
    public static class NoWindow {
        @Param({"64g"})
        public String windowSize;

        SpaprRig rig;
        long size;

        @Setup(Level.Trial)
        public void setUp() {
            rig = new SpaprRig(Sizes.GIB);
            size = Sizes.parse(windowSize);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long createRemove(NoWindow w) {
        long start = w.rig.create(PAGE_SHIFT, w.size, 1);
        w.rig.remove(start);
        return start;
    }
}
