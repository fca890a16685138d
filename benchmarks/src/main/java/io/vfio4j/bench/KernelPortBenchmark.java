package io.vfio4j.bench;

import io.vfio4j.host.FrameLayout;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RandomOrderBenchmark#mapUnmap}'s mappings, orders and frame layout (runs of 64 physically
 * contiguous frames, the simulated host's default) done by {@link KernelStructurePort}: the
 * yardstick of issue 17's first table; and {@link RandomOrderBenchmark.Pins}' held and
 * pin-then-unpin runs through the port's {@code pfn_list}. Run both classes in one command and
 * divide.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelPortBenchmark {
    private static final long VADDR = 1L << 40;
    private static final long IOVA = 1L << 32;

    /** The host's default run of physically contiguous anonymous frames. */
    private static final long RUN_PAGES = 64;

    /** A frame number well above zero, as a guest's memory has. */
    private static final long BASE_PFN = 1L << 20;

    @State(Scope.Thread)
    public static class Mappings {
        /** count x size of the mappings (they tile the guest). */
        @Param({"32768x512k", "65535x256k"})
        public String shape;

        @Param({"ascending", "random"})
        public String order;

        KernelStructurePort port;
        MapPattern pattern;

        @Setup(Level.Trial)
        public void setUp() {
            pattern = MapPattern.of(shape, order);
            FrameLayout layout = new FrameLayout(BASE_PFN, pattern.guestBytes() >>> 12, RUN_PAGES);
            port = new KernelStructurePort(VADDR, IOVA, layout, true);
        }
    }

    /** MAPs every mapping in the order, then UNMAPs each (one call per mapping). */
    @Benchmark
    public long mapUnmap(Mappings m) {
        MapPattern p = m.pattern;
        long pages = 0;
        for (int i : p.mapOrder()) {
            long offset = i * p.bytes();
            m.port.map(VADDR + offset, IOVA + offset, p.bytes() >>> 12);
        }
        for (int i : p.unmapOrder()) {
            pages += m.port.unmap(IOVA + i * p.bytes());
        }
        return pages;
    }

    /**
     * {@link RandomOrderBenchmark.Pins}: a 64 GiB guest mapped in a container of mdevs only, and
     * the same 65,536 distinct random 16-page slots.
     */
    @State(Scope.Thread)
    public static class Pins {
        @Param({"64", "1"})
        long runPages;

        KernelStructurePort port;
        long[] iovas = new long[RandomOrderBenchmark.Pins.PINS];
        long[] pfns = new long[RandomOrderBenchmark.Pins.BATCH];

        @Setup(Level.Trial)
        public void setUp() {
            long guest = 64L << 30;
            long pages = guest >>> 12;
            port =
                    new KernelStructurePort(
                            VADDR, IOVA, new FrameLayout(BASE_PFN, pages, runPages), false);
            port.map(VADDR, IOVA, pages);
            int batch = RandomOrderBenchmark.Pins.BATCH;
            int[] p = RandomOrderBenchmark.permutation((int) (pages / batch), 3);
            for (int i = 0; i < iovas.length; i++) {
                iovas[i] = IOVA + ((long) p[i] * batch << 12);
            }
        }
    }

    /** Pins all 65,536 runs (held), then unpins them in the same order: 1 Mi pages. */
    @Benchmark
    public long pinsHeld(Pins s) {
        long sum = 0;
        int batch = RandomOrderBenchmark.Pins.BATCH;
        for (long iova : s.iovas) {
            s.port.pinPages(iova, batch, s.pfns);
            sum += s.pfns[0];
        }
        for (long iova : s.iovas) {
            s.port.unpinPages(iova, batch);
        }
        return sum;
    }

    /** The same runs, each unpinned right after its pin: 1 Mi pages. */
    @Benchmark
    public long pinThenUnpin(Pins s) {
        long sum = 0;
        int batch = RandomOrderBenchmark.Pins.BATCH;
        for (long iova : s.iovas) {
            s.port.pinPages(iova, batch, s.pfns);
            sum += s.pfns[0];
            s.port.unpinPages(iova, batch);
        }
        return sum;
    }
}
