package io.vfio4j.examples.review;

import static io.vfio4j.examples.review.TraceAssert.assertData;
import static io.vfio4j.examples.review.TraceAssert.assertSteps;
import static io.vfio4j.examples.review.TraceAssert.ok;
import static io.vfio4j.examples.review.TraceAssert.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import org.junit.jupiter.api.Test;

/** Combination 1, end to end on the type1 backend (docs/reference/type1-mdev.md §4.6, 1). */
class PassthroughOnlyTest {
    @Test
    void mapAndUnmapWithOneGpu() {
        Trace t = PassthroughOnly.run();
        assertSteps(
                t,
                ok(0), // attach + SET_IOMMU + open
                ok(786_432), // MAP A
                ok(1_048_576), // MAP B
                ok(1_048_576), // MAP C: the BAR is not counted
                ok(262_144), // UNMAP A: B is left
                ok(0), // UNMAP B
                ok(0), // UNMAP C
                ok(0)); // close, detach
        assertThat(t.value("dma_avail after MAP A, B, C")).isEqualTo(65_532);
        assertThat(t.value("dma_avail after UNMAP")).isEqualTo(65_535);
        assertData(t, 4);
    }

    @Test
    void aThreeGibLimitTakesAExactlyAndRefusesB() {
        Trace t = PassthroughOnly.runWithRlimit3GiB();
        assertSteps(t, ok(0), ok(786_432), refused(786_432, Errno.ENOMEM));
        assertThat(t.value("dma_avail after MAP B failed")).isEqualTo(65_534);
        assertData(t, 2); // the GPU reaches A, and faults on B: no mapping B exists
    }
}
