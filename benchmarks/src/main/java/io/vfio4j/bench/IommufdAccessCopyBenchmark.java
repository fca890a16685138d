package io.vfio4j.bench;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.NativeContext;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.api.ioas.NativeIommuProvider;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import java.util.Map;
import java.util.ServiceLoader;
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
 * iommufd next to type1 (issue 18). {@code pinUnpin}: an mdev's pin + unpin of {@code batch}
 * contiguous pages from a uniformly random IOVA of a 4 GiB guest (4 KiB anonymous pages in 64-page
 * runs, one MAP_DMA, no IOMMU domain, so every pin is charged), on type1 and on iommufd's compat
 * container (an access: exact-range records). {@code copy}: on a native context, IOAS_COPY of the
 * whole {@code size} guest mapped in IOAS 1 into IOAS 2 (both with a domain: the copy holds the
 * pages again and maps the second domain, charging nothing) and the IOAS_UNMAP of the copy.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IommufdAccessCopyBenchmark {

    /** An mdev pinning through type1's external pins or iommufd's access. */
    @State(Scope.Thread)
    public static class Pins {
        @Param({"type1", "iommufd"})
        public String backend;

        @Param({"1", "16", "512"})
        public int batch;

        Type1Rig rig;
        PinUnpinBenchmark.PinCursor cursor;
        final long[] pfns = new long[512];

        @Setup(Level.Trial)
        public void setUp() {
            rig =
                    new Type1Rig(
                            backend,
                            Type1Rig.x86Host(),
                            1,
                            false,
                            true,
                            Type1Rig.Backing.ANON,
                            Sizes.parse("4g"));
            rig.map();
            cursor = new PinUnpinBenchmark.PinCursor(rig.guestPages, batch, true, 42);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    @Benchmark
    public long pinUnpin(Pins s, PageCounter counter) {
        long iova = Type1Rig.iova(s.cursor.next());
        s.rig.ops.pinPages(s.rig.mdev, iova, s.batch, Type1Rig.RW, s.pfns);
        s.rig.ops.unpinPages(s.rig.mdev, iova, s.batch);
        counter.pages += s.batch;
        return s.pfns[0];
    }

    /**
     * A native context with two IOASes, each with a device's domain; the guest mapped in the first.
     */
    @State(Scope.Thread)
    public static class Copy {
        @Param({"1g", "16g"})
        public String size;

        NativeIommuOps ctx;
        int src;
        int dst;
        long bytes;
        SimProcess vmm;

        @Setup(Level.Trial)
        public void setUp() {
            SimHost host = Type1Rig.x86Host();
            bytes = Sizes.parse(size);
            vmm =
                    host.spawnProcess(
                            ProcessSpec.builder()
                                    .name("qemu")
                                    .memlockLimitBytes(Long.MAX_VALUE)
                                    .build());
            vmm.mmap(Type1Rig.Backing.ANON.region(Type1Rig.VADDR, bytes));
            ctx = openNative(host);
            src = ctx.ioasAlloc(0);
            dst = ctx.ioasAlloc(0);
            for (int g = 1; g <= 2; g++) {
                SimIommuGroup hw = host.addIommuGroup(IommuGroupSpec.of(g));
                ctx.attach(ctx.bindDevice(hw.devices().get(0), hw), g == 1 ? src : dst);
            }
            ctx.ioasMap(vmm, IoasMap.fixed(src, Type1Rig.VADDR, Type1Rig.IOVA, bytes));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ctx.release();
        }
    }

    @Benchmark
    public long copyUnmap(Copy s, PageCounter counter) {
        s.ctx.ioasCopy(
                s.vmm,
                new IoasCopy(
                        s.dst,
                        s.src,
                        IoasMap.FIXED_IOVA | IoasMap.RW,
                        s.bytes,
                        Type1Rig.IOVA,
                        Type1Rig.IOVA));
        long removed = s.ctx.ioasUnmap(s.dst, Type1Rig.IOVA, s.bytes);
        counter.pages += s.bytes >>> 12;
        return removed;
    }

    private record Ctx(
            HostView host, BackendSettings settings, VfioEventSink events, KernelVersion kernel)
            implements NativeContext {}

    static NativeIommuOps openNative(HostView host) {
        VfioEventSink none =
                new VfioEventSink() {
                    @Override
                    public void vendorLeak(VendorLeak leak) {}

                    @Override
                    public void taint(String reason) {}
                };
        for (VfioIommuDriverProvider p : ServiceLoader.load(VfioIommuDriverProvider.class)) {
            if (p instanceof NativeIommuProvider n) {
                return n.openNative(
                        new Ctx(
                                host,
                                new BackendSettings(p.name(), Map.of()),
                                none,
                                KernelVersion.BASELINE));
            }
        }
        throw new IllegalStateException("no backend on the class path opens /dev/iommu contexts");
    }
}
