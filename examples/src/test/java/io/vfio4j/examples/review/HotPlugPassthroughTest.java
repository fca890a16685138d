package io.vfio4j.examples.review;

import static io.vfio4j.examples.review.TraceAssert.assertData;
import static io.vfio4j.examples.review.TraceAssert.assertSteps;
import static io.vfio4j.examples.review.TraceAssert.ok;
import static io.vfio4j.examples.review.TraceAssert.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import org.junit.jupiter.api.Test;

/** Combination 5, end to end on the type1 backend (docs/reference/type1-mdev.md §4.6, 5). */
class HotPlugPassthroughTest {
    private static final long R = 1_048_576;

    @Test
    void plugReplaysToRAndUnplugReaccountsToTheVgpusPins() {
        Trace t = HotPlugPassthrough.run();
        assertSteps(
                t, ok(0), // vGPU attach, SET_IOMMU, open
                ok(0), // MAP A, B, C
                ok(3_000), // pin W
                ok(R), // hot plug the GPU: replay
                ok(R), // 200 new pins, 100 unpins: 3,100 vfio_pfns
                ok(3_100), // hot unplug the GPU: re-account
                ok(0), // the vGPU unpins everything
                ok(0)); // detach: mappings removed
        assertThat(t.value("vGPU pinned pages")).isEqualTo(3_100);
        assertThat(t.value("container groups")).isZero();
        assertThat(t.value("vendor leaks")).isZero();
        assertData(t, 10);
    }

    @Test
    void aMillionPageLimitRefusesTheReplayAndLeavesLockedAt3000() {
        Trace t = HotPlugPassthrough.runWithRlimit1MPages();
        assertSteps(t, ok(0), ok(0), ok(3_000), refused(3_000, Errno.ENOMEM));
        assertThat(t.value("container groups")).isEqualTo(1);
        assertData(t, 4);
    }

    @Test
    void withTwoGpusInSeparateDomainsUnpluggingOneChangesNothing() {
        Trace t = HotPlugPassthrough.runTwoGpus();
        assertSteps(
                t, ok(0), ok(0), ok(3_000), ok(R), // GPU 1: replay
                ok(R), // GPU 2: a second domain copies, charges nothing
                ok(R), // unplug GPU 2: a domain remains
                ok(3_000)); // unplug GPU 1: re-account
        assertThat(t.value("distinct IOMMU domains")).isEqualTo(2);
        assertData(t, 8);
    }
}
