package io.vfio4j.bench;

import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Two VMs on one host: each benchmark thread owns a process and a type1 container (per-thread
 * state) on a shared {@link SimHost}. {@code pinUnpin*}: an mdev pins and unpins random single
 * pages of a 64 GiB guest; {@code mapUnmap*}: MAP and UNMAP of a 16 GiB guest of 2 MiB THP pages
 * with one IOMMU domain per container. Compare the one-thread and two-thread rows: the two-thread
 * figure is the sum over both threads. {@code pinUnpinSharedRam*}: the same pins from two
 * containers of one process, which contend for the one frame bank of its guest RAM.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TwoContainersBenchmark {

    /** The host both containers share. */
    @State(Scope.Benchmark)
    public static class Host {
        final SimHost host = Type1Rig.x86Host();
        final AtomicInteger nextGroup = new AtomicInteger(1);
    }

    /** One thread's mdev-only container with a 64 GiB guest, pinning random single pages. */
    abstract static class PinningVm {
        Type1Rig rig;
        PinUnpinBenchmark.PinCursor cursor;
        /*
         * A vendor driver's buffer of VFIO_PIN_PAGES_MAX_ENTRIES: only its first entry is written,
         * so the rest keeps the next object off that cache line (see PinCursor).
         */
        final long[] pfns = new long[512];

        void start(Type1Rig r, int id) {
            rig = r;
            rig.map();
            cursor = new PinUnpinBenchmark.PinCursor(rig.guestPages, 1, true, id);
        }

        long pinUnpin(PageCounter counter) {
            long iova = Type1Rig.iova(cursor.next());
            rig.ops.pinPages(rig.mdev, iova, 1, Type1Rig.RW, pfns);
            rig.ops.unpinPages(rig.mdev, iova, 1);
            counter.pages++;
            return pfns[0];
        }
    }

    /** In a process of its own. */
    @State(Scope.Thread)
    public static class MdevVm extends PinningVm {
        @Setup(Level.Trial)
        public void setUp(Host h) {
            int id = h.nextGroup.getAndIncrement();
            start(new Type1Rig(h.host, id, false, true, Type1Rig.Backing.ANON, 64 * Sizes.GIB), id);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    /**
     * One VMM process with a 64 GiB guest whose RAM every thread's container pins: one frame
     * reservation, so one frame bank and its lock shared by the threads (a VMM with two containers,
     * e.g. two devices behind a virtual IOMMU, both pinning guest RAM).
     */
    @State(Scope.Benchmark)
    public static class SharedRam {
        final SimHost host = Type1Rig.x86Host();
        final SimProcess vmm = Type1Rig.vmmWithRam(host, 0, Type1Rig.Backing.ANON, 64 * Sizes.GIB);
        final AtomicInteger nextGroup = new AtomicInteger(1);
    }

    /** In the one process of {@link SharedRam}. */
    @State(Scope.Thread)
    public static class SharedRamVm extends PinningVm {
        @Setup(Level.Trial)
        public void setUp(SharedRam s) {
            int id = s.nextGroup.getAndIncrement();
            start(new Type1Rig("type1", s.host, s.vmm, id, false, true, 64 * Sizes.GIB), id);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    /** One thread's VM: a passthrough container with a 16 GiB THP guest. */
    @State(Scope.Thread)
    public static class PassthroughVm {
        Type1Rig rig;

        @Setup(Level.Trial)
        public void setUp(Host h) {
            rig =
                    new Type1Rig(
                            h.host,
                            h.nextGroup.getAndIncrement(),
                            true,
                            false,
                            Type1Rig.Backing.THP,
                            16 * Sizes.GIB);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    private static void mapUnmap(PassthroughVm vm, PageCounter counter) {
        vm.rig.map();
        vm.rig.unmap();
        counter.pages += vm.rig.guestPages;
    }

    @Benchmark
    @Threads(1)
    public long pinUnpinOneThread(MdevVm vm, PageCounter counter) {
        return vm.pinUnpin(counter);
    }

    @Benchmark
    @Threads(2)
    public long pinUnpinTwoThreads(MdevVm vm, PageCounter counter) {
        return vm.pinUnpin(counter);
    }

    /** Contention on one frame bank: compare with the one-thread row of the same state. */
    @Benchmark
    @Threads(1)
    public long pinUnpinSharedRamOneThread(SharedRamVm vm, PageCounter counter) {
        return vm.pinUnpin(counter);
    }

    @Benchmark
    @Threads(2)
    public long pinUnpinSharedRamTwoThreads(SharedRamVm vm, PageCounter counter) {
        return vm.pinUnpin(counter);
    }

    @Benchmark
    @Threads(1)
    public void mapUnmapOneThread(PassthroughVm vm, PageCounter counter) {
        mapUnmap(vm, counter);
    }

    @Benchmark
    @Threads(2)
    public void mapUnmapTwoThreads(PassthroughVm vm, PageCounter counter) {
        mapUnmap(vm, counter);
    }
}
