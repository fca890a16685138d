package io.vfio4j.bench;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.Map;
import java.util.Optional;
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
 * The patterns a guest with a virtual IOMMU produces, through the public runtime ({@link Vfio}, a
 * type1v2 container, invariant checks off): many small MAP_DMAs in random IOVA order and their
 * UNMAP_DMAs in another random order, next to the same mappings in ascending order; and many random
 * external pins held at once, next to pinning and unpinning each in turn. The sorted tables under
 * these paths (the IOMMU page table, the host pin table, type1's mapping index) must cost about the
 * same whatever the order.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RandomOrderBenchmark {
    private static final long VADDR = 1L << 40;
    private static final long IOVA = 1L << 32;

    /** A VM: its process, a type1v2 container and (optionally) a passthrough group. */
    static final class Vm {
        final VfioContainer container;
        final SimProcess process;
        VfioDevice mdev;

        Vm(Vfio vfio, int groupId, long guestBytes, boolean withMdev) {
            SimHost host = vfio.host();
            process =
                    host.spawnProcess(
                            ProcessSpec.builder().memlockLimitBytes(Long.MAX_VALUE).build());
            process.mmap(RegionSpec.anonymous(VADDR, guestBytes));
            container = vfio.openContainer();
            if (withMdev) {
                VfioDeviceDriver vendor =
                        new VfioDeviceDriver() {
                            @Override
                            public void open(VfioDevice d) {
                                mdev = d;
                            }

                            @Override
                            public Optional<DmaUnmapListener> dmaUnmapListener() {
                                return Optional.of((iova, length) -> {});
                            }
                        };
                VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu", vendor);
                g.setContainer(process, container);
                container.setIommu("type1", IommuType.TYPE1v2);
                g.openDevice("vgpu");
            } else {
                vfio.group(groupId).setContainer(process, container);
                container.setIommu("type1", IommuType.TYPE1v2);
            }
        }

        void map(long offset, long bytes) {
            container.ioctl(process, MapDma.rw(VADDR + offset, IOVA + offset, bytes));
        }

        void unmap(long offset, long bytes) {
            container.ioctl(process, UnmapDma.of(IOVA + offset, bytes));
        }
    }

    static Vfio runtime(SimHost host) {
        return Vfio.builder()
                .host(host)
                .withoutPluginDirectory()
                .configuration(
                        VfioConfiguration.of(Map.of(VfioConfiguration.CHECK_INVARIANTS, "false")))
                .build();
    }

    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** Fisher-Yates permutation of 0..n-1 with a fixed seed: every run sees the same order. */
    static int[] permutation(int n, long seed) {
        int[] p = identity(n);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** One VM with a passthrough group (one IOMMU domain) and its MAP and UNMAP orders. */
    @State(Scope.Thread)
    public static class Mappings {
        /** count x size of the mappings (they tile the guest). */
        @Param({"32768x512k", "65535x256k"})
        public String shape;

        @Param({"ascending", "random"})
        public String order;

        Vfio vfio;
        Vm vm;
        MapPattern pattern;

        @Setup(Level.Trial)
        public void setUp() {
            pattern = MapPattern.of(shape, order);
            SimHost host = SimHost.builder().build();
            host.addIommuGroup(IommuGroupSpec.of(1));
            vfio = runtime(host);
            vm = new Vm(vfio, 1, pattern.guestBytes(), false);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            vfio.close();
        }
    }

    /** MAPs every mapping in the order, then UNMAPs each (one call per mapping). */
    @Benchmark
    public void mapUnmap(Mappings m) {
        MapPattern p = m.pattern;
        for (int i : p.mapOrder()) {
            m.vm.map(i * p.bytes(), p.bytes());
        }
        for (int i : p.unmapOrder()) {
            m.vm.unmap(i * p.bytes(), p.bytes());
        }
    }

    /**
     * An mdev in a 64 GiB guest, mapped, and 65,536 distinct random 16-page slots. {@code
     * runPages}: the host's physically contiguous runs of anonymous memory, 64 (the default) or 1
     * (every page somewhere else: no two pages of a pin are physically adjacent).
     */
    @State(Scope.Thread)
    public static class Pins {
        static final int PINS = 65_536;
        static final int BATCH = 16;

        @Param({"64", "1"})
        long runPages;

        Vfio vfio;
        Vm vm;
        long[] iovas = new long[PINS];
        long[] pfns = new long[BATCH];

        @Setup(Level.Trial)
        public void setUp() {
            long guest = 64L << 30;
            vfio = runtime(SimHost.builder().anonymousRunPages(runPages).build());
            vm = new Vm(vfio, 0, guest, true);
            vm.map(0, guest);
            long pageSize = vfio.host().pageSize();
            int slots = (int) (guest / pageSize / BATCH);
            int[] p = permutation(slots, 3);
            for (int i = 0; i < PINS; i++) {
                iovas[i] = IOVA + p[i] * BATCH * pageSize;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            vfio.close();
        }
    }

    /** Pins all 65,536 runs (held), then unpins them in the same order: 1 Mi pages. */
    @Benchmark
    public long pinsHeld(Pins s) {
        long sum = 0;
        for (long iova : s.iovas) {
            s.vm.mdev.pinPages(iova, Pins.BATCH, DmaProt.RW, s.pfns);
            sum += s.pfns[0];
        }
        for (long iova : s.iovas) {
            s.vm.mdev.unpinPages(iova, Pins.BATCH);
        }
        return sum;
    }

    /** The same runs, each unpinned right after its pin: 1 Mi pages. */
    @Benchmark
    public long pinThenUnpin(Pins s) {
        long sum = 0;
        for (long iova : s.iovas) {
            s.vm.mdev.pinPages(iova, Pins.BATCH, DmaProt.RW, s.pfns);
            sum += s.pfns[0];
            s.vm.mdev.unpinPages(iova, Pins.BATCH);
        }
        return sum;
    }

    /** 64 VMs of 256 MiB on one host, each with a passthrough group. */
    @State(Scope.Thread)
    public static class ManyVms {
        static final int VMS = 64;
        static final long GUEST = 256L << 20;

        Vfio vfio;
        Vm[] vms = new Vm[VMS];

        @Setup(Level.Trial)
        public void setUp() {
            SimHost host = SimHost.builder().build();
            for (int i = 1; i <= VMS; i++) {
                host.addIommuGroup(IommuGroupSpec.of(i));
            }
            vfio = runtime(host);
            for (int i = 0; i < VMS; i++) {
                vms[i] = new Vm(vfio, i + 1, GUEST, false);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            vfio.close();
        }
    }

    /** Every VM MAPs its guest in 2 MiB MAP_DMAs, then every VM UNMAPs it in one call. */
    @Benchmark
    public void manyVms(ManyVms s) {
        long chunk = 2L << 20;
        for (Vm vm : s.vms) {
            for (long off = 0; off < ManyVms.GUEST; off += chunk) {
                vm.map(off, chunk);
            }
        }
        for (Vm vm : s.vms) {
            vm.unmap(0, ManyVms.GUEST);
        }
    }
}
