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
 * MAP_DMA then UNMAP_DMA of the whole guest RAM (4 KiB anonymous pages) with one IOMMU domain, on
 * type1 and on iommufd's compat container side by side: both pin, charge and write the IOMMU page
 * table at MAP and undo it at UNMAP. iommufd keeps a frame number and a holder count per page of
 * each mapping (pages.c keeps an xarray), type1 runs of contiguous frames.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompatMapUnmapBenchmark {

    /** A rig per trial: one backend, one guest size. */
    @State(Scope.Thread)
    public static class Guest {
        @Param({"type1", "iommufd"})
        public String backend;

        @Param({"1g", "16g"})
        public String size;

        Type1Rig rig;

        @Setup(Level.Trial)
        public void setUp() {
            rig =
                    new Type1Rig(
                            backend,
                            Type1Rig.x86Host(),
                            1,
                            true,
                            false,
                            Type1Rig.Backing.ANON,
                            Sizes.parse(size));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rig.ops.release();
        }
    }

    @Benchmark
    public void mapUnmap(Guest g) {
        g.rig.map();
        g.rig.unmap();
    }
}
