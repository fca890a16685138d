package io.vfio4j.examples.review;

import static io.vfio4j.examples.review.TraceAssert.assertData;
import static io.vfio4j.examples.review.TraceAssert.assertSteps;
import static io.vfio4j.examples.review.TraceAssert.ok;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Combination 3, end to end on the type1 backend (docs/reference/type1-mdev.md §4.6, 3). */
class PassthroughAndVgpuTest {
    private static final long R = 1_048_576;

    @Test
    void bothAttachedBeforeMapThePinsCostNothing() {
        Trace t = PassthroughAndVgpu.runBothBeforeMap();
        assertSteps(
                t, ok(0), // GPU attach, SET_IOMMU
                ok(0), // vGPU attach, open
                ok(R), // MAP A, B, C
                ok(R), // pin W: already pinned by the IOMMU path
                ok(R), // unpin W
                ok(0)); // UNMAP
        assertThat(t.value("vGPU DMA-unmap notifications")).isZero();
        assertData(t, 5);
    }

    @Test
    void vgpuFirstThenTheGpuReplaysToExactlyR() {
        Trace t = PassthroughAndVgpu.runVgpuFirst();
        assertSteps(
                t, ok(0), // vGPU attach, SET_IOMMU, open
                ok(0), // MAP A, B, C
                ok(3_000), // pin W
                ok(R), // GPU attach: replay charges R - 3,000
                ok(0)); // UNMAP: the vGPU is told, unpins, then the mappings go
        assertThat(t.value("vGPU pinned pages after UNMAP")).isZero();
        assertThat(t.value("vGPU DMA-unmap notifications")).isPositive();
        assertData(t, 7);
    }

    @Test
    void anUnmapWithPinsLeftTellsTheVgpuFirst() {
        Trace t = PassthroughAndVgpu.runUnmapWithPinsLeft();
        assertSteps(t, ok(R), ok(R), ok(0));
        assertThat(t.value("vGPU pinned pages after UNMAP")).isZero();
        // Once per mapping that held its pins: A (framebuffer) and B (ring).
        assertThat(t.value("vGPU DMA-unmap notifications")).isEqualTo(2);
    }
}
