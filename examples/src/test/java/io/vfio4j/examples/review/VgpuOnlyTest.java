package io.vfio4j.examples.review;

import static io.vfio4j.examples.review.TraceAssert.assertData;
import static io.vfio4j.examples.review.TraceAssert.assertSteps;
import static io.vfio4j.examples.review.TraceAssert.ok;
import static io.vfio4j.examples.review.TraceAssert.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import org.junit.jupiter.api.Test;

/** Combination 2, end to end on the type1 backend (docs/reference/type1-mdev.md §4.6, 2). */
class VgpuOnlyTest {
    @Test
    void withoutADomainEachDistinctPinnedPageIsChargedOnce() {
        Trace t = VgpuOnly.run();
        assertSteps(
                t,
                ok(0), // create, attach, SET_IOMMU, open
                ok(0), // MAP A: nothing pinned
                ok(0), // MAP B
                ok(0), // MAP C
                ok(3_000), // pin W
                ok(3_000), // pin 10 again: ref 2, no charge
                ok(3_000), // unpin them once
                refused(3_000, Errno.EINVAL), // a PFNMAP page cannot be pinned (>= 6.0)
                ok(0), // unpin all
                ok(0)); // close, detach, remove
        assertThat(t.value("vGPU pinned pages")).isEqualTo(3_000);
        assertThat(t.value("vendor leaks")).isZero();
        assertData(t, 3);
    }

    @Test
    void theCallThatCrossesA2500PageLimitIsRefusedWhole() {
        Trace t = VgpuOnly.runWithRlimit2500Pages();
        assertSteps(
                t,
                ok(0), // MAP A, B, C
                refused(2_048, Errno.ENOMEM), // 4 calls of 512 stay, the 5th is released
                ok(0)); // disable: unpin what stayed
        assertThat(t.value("vGPU pinned pages")).isEqualTo(2_048);
    }
}
