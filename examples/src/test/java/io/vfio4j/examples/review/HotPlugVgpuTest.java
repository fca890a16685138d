package io.vfio4j.examples.review;

import static io.vfio4j.examples.review.TraceAssert.assertData;
import static io.vfio4j.examples.review.TraceAssert.assertSteps;
import static io.vfio4j.examples.review.TraceAssert.ok;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Combination 4, end to end on the type1 backend (docs/reference/type1-mdev.md §4.6, 4). */
class HotPlugVgpuTest {
    private static final long R = 1_048_576;

    @Test
    void withAGpuPresentNothingTheVgpuDoesMovesLockedVm() {
        Trace t = HotPlugVgpu.run();
        assertSteps(
                t, ok(0), // GPU attach, SET_IOMMU
                ok(R), // MAP A, B, C: steady state
                ok(R), // hot plug the vGPU
                ok(R), // pin W
                ok(R), // 200 more pins
                ok(R), // and their unpins
                ok(R), // hot unplug
                ok(0)); // UNMAP
        assertThat(t.value("vendor leaks")).isZero();
        assertThat(t.value("vgpu-v100-4q available instances")).isEqualTo(4);
        assertData(t, 8);
    }

    @Test
    void fivePinsLeakedByTheVendorAreCaughtAtDetachAndNamed() {
        Trace t = HotPlugVgpu.runLeakyVendor();
        assertSteps(t, ok(0), ok(R), ok(R), ok(R), ok(R), ok(0));
        assertThat(t.value("vendor leaks")).isEqualTo(1);
        assertThat(t.value("leaked pages")).isEqualTo(HotPlugVgpu.LEAKED_PAGES);
        assertThat(TraceAssert.checkNames(t)).contains("the leak names the vGPU");
        assertData(t, 6);
    }
}
