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
 * MAP_DMA and UNMAP_DMA of the whole guest RAM on type1 with one IOMMU domain (a passthrough
 * device's group is attached), so MAP pins, charges (once per physically contiguous run) and writes
 * the IOMMU page table, and UNMAP undoes it. {@code map} and {@code unmap} are timed alone (the
 * other half runs in an untimed per-invocation setup); {@code mapUnmap} times the pair.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MapUnmapBenchmark {

    /** A rig per trial: guest RAM of one backing and size, one IOMMU domain. */
    @State(Scope.Thread)
    public static class Guest {
        @Param({"4k", "thp", "1g"})
        public String backing;

        @Param({"16g", "1t"})
        public String size;

        Type1Rig rig;

        @Setup(Level.Trial)
        public void setUp() {
            rig =
                    new Type1Rig(
                            Type1Rig.x86Host(),
                            1,
                            true,
                            false,
                            Type1Rig.Backing.of(backing),
                            Sizes.parse(size));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    /** The guest, unmapped before each call. */
    @State(Scope.Thread)
    public static class UnmappedGuest extends Guest {
        @Setup(Level.Invocation)
        public void unmapped() {
            if (rig.isMapped()) {
                rig.unmap();
            }
        }
    }

    /** The guest, mapped before each call. */
    @State(Scope.Thread)
    public static class MappedGuest extends Guest {
        @Setup(Level.Invocation)
        public void mapped() {
            if (!rig.isMapped()) {
                rig.map();
            }
        }
    }

    @Benchmark
    public void map(UnmappedGuest g) {
        g.rig.map();
    }

    @Benchmark
    public void unmap(MappedGuest g) {
        g.rig.unmap();
    }

    @Benchmark
    public void mapUnmap(Guest g) {
        g.rig.map();
        g.rig.unmap();
    }
}
