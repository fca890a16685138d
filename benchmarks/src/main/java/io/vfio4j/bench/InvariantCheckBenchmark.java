package io.vfio4j.bench;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.Map;
import java.util.Optional;
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
 * What the invariant checker costs a vendor-pin workload through the public runtime: a vGPU-like
 * mdev pins a whole 2 GiB guest in 512-page calls ({@link VfioDevice#pinPages}, as a CLI scenario
 * does) and then unpins it the same way, with {@code vfio4j.check-invariants} on and off. Each call
 * is an operation, so with checks on the checker runs 2 × 1,024 times over up to 524,288 pinned
 * pages.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InvariantCheckBenchmark {
    private static final long VADDR = 1L << 40;
    private static final long IOVA = 1L << 32;
    private static final long GUEST = 2L << 30;
    private static final int CALL = 512;

    @Param({"true", "false"})
    public boolean checks;

    private Vfio vfio;
    private VfioDevice device;
    private long pages;
    private final long[] pfns = new long[CALL];

    @Setup(Level.Trial)
    public void setUp() {
        SimHost host = SimHost.builder().build();
        vfio =
                Vfio.builder()
                        .host(host)
                        .withoutPluginDirectory()
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(
                                                VfioConfiguration.CHECK_INVARIANTS,
                                                Boolean.toString(checks))))
                        .build();
        vfio.invariants().setEnabled(checks);
        SimProcess vmm =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(Long.MAX_VALUE).build());
        vmm.mmap(RegionSpec.anonymous(VADDR, GUEST));
        VfioContainer container = vfio.openContainer();
        VfioDeviceDriver vendor =
                new VfioDeviceDriver() {
                    @Override
                    public void open(VfioDevice d) {
                        device = d;
                    }

                    @Override
                    public Optional<DmaUnmapListener> dmaUnmapListener() {
                        return Optional.of((iova, length) -> {});
                    }
                };
        VfioGroup group = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu", vendor);
        group.setContainer(vmm, container);
        container.setIommu("type1", IommuType.TYPE1v2);
        group.openDevice("vgpu");
        container.ioctl(vmm, MapDma.rw(VADDR, IOVA, GUEST));
        pages = GUEST >>> host.pageShift();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        vfio.close();
    }

    /** Pins the whole guest in 512-page calls, then unpins it in 512-page calls. */
    @Benchmark
    public long pinUnpin2GiB() {
        long sum = 0;
        long pageSize = vfio.host().pageSize();
        for (long p = 0; p < pages; p += CALL) {
            device.pinPages(IOVA + p * pageSize, CALL, DmaProt.RW, pfns);
            sum += pfns[0];
        }
        for (long p = 0; p < pages; p += CALL) {
            device.unpinPages(IOVA + p * pageSize, CALL);
        }
        return sum + vfio.invariants().checks();
    }
}
