package io.vfio4j.bench;

import io.vfio4j.host.IommuGroupSpec;
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
 * type1 replay and re-account (docs/reference/type1-mdev.md §4.4, §4.5): a container with an mdev
 * (emulated group, no domain) holds a 1 TiB guest of 1 GiB pages mapped with one MAP_DMA and {@code
 * pins} distinct externally pinned pages spread over it. {@code replay} times the attach of the
 * first IOMMU-backed group (pin and map the whole guest, charge everything but the pinned pages);
 * {@code reaccount} times its detach while the mdev stays (unmap and unpin the IOMMU path, keep
 * only the external pins charged).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx4g"})
public class ReplayBenchmark {

    /** The 1 TiB guest with its pins; built once per trial. */
    @State(Scope.Thread)
    public static class PinnedGuest {
        @Param({"1t"})
        public String guest;

        @Param({"1000000"})
        public int pins;

        Type1Rig rig;
        Handles.Group pci;
        boolean attached;

        @Setup(Level.Trial)
        public void setUp() {
            rig =
                    new Type1Rig(
                            Type1Rig.x86Host(),
                            1,
                            false,
                            true,
                            Type1Rig.Backing.HUGE_1G,
                            Sizes.parse(guest));
            rig.map();
            pinSpread(rig, pins);
            pci = Handles.Group.iommu(rig.host.addIommuGroup(IommuGroupSpec.of(2)));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (attached) {
                rig.ops.detachGroup(pci);
            }
            rig.ops.release();
        }

        void attach() {
            rig.ops.attachGroup(pci);
            attached = true;
        }

        void detach() {
            rig.ops.detachGroup(pci);
            attached = false;
        }
    }

    /** Pins {@code count} distinct single pages spread evenly over the guest, one call each. */
    static void pinSpread(Type1Rig rig, int count) {
        long stride = rig.guestPages / count;
        long[] pfn = new long[1];
        for (int i = 0; i < count; i++) {
            // A little jitter so the pins do not share a low-bit pattern.
            long page = i * stride + (i * 7919L) % stride;
            rig.ops.pinPages(rig.mdev, Type1Rig.iova(page), 1, Type1Rig.RW, pfn);
        }
    }

    /** The guest, with the IOMMU group detached before each call. */
    @State(Scope.Thread)
    public static class DetachedGuest extends PinnedGuest {
        @Setup(Level.Invocation)
        public void detached() {
            if (attached) {
                detach();
            }
        }
    }

    /** The guest, with the IOMMU group attached before each call. */
    @State(Scope.Thread)
    public static class AttachedGuest extends PinnedGuest {
        @Setup(Level.Invocation)
        public void attachedGuest() {
            if (!attached) {
                attach();
            }
        }
    }

    @Benchmark
    public void replay(DetachedGuest g) {
        g.attach();
    }

    @Benchmark
    public void reaccount(AttachedGuest g) {
        g.detach();
    }
}
