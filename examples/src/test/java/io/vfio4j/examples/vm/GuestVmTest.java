package io.vfio4j.examples.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The shared VM fixture is the docs/reference/type1-mdev.md §4.6 fixture, and it proves the
 * accounting invariants as it goes.
 */
class GuestVmTest {
    @Test
    void theFixtureHasTheReviewsNumbers() {
        assertThat(Mapping.A.pages()).isEqualTo(ReviewFixture.A_PAGES);
        assertThat(Mapping.A.pages() + Mapping.B.pages()).isEqualTo(ReviewFixture.R);
        assertThat(Mapping.C.pages()).isEqualTo(65_536);
        assertThat(ReviewFixture.RLIMIT_BYTES / ReviewFixture.P).isEqualTo(1_064_960);
        assertThat(ReviewFixture.FB_PAGES + ReviewFixture.RING_PAGES).isEqualTo(ReviewFixture.W);
        assertThat(ReviewFixture.RING_IOVA)
                .isBetween(Mapping.B.iova(), Mapping.B.iova() + Mapping.B.size());
    }

    @Test
    void theVmStartsWithTheFirstDeviceAndChecksInvariantsAfterEveryOperation() {
        try (GuestVm vm = GuestVm.builder().build()) {
            assertThat(vm.isRunning()).isFalse();
            vm.attachVgpu(UUID.fromString("11111111-2222-4333-8444-555555555555"));
            assertThat(vm.isRunning()).isTrue();
            assertThat(vm.container().backendName()).contains("type1");
            vm.mapAll();
            vm.attachGpu(1);
            assertThat(vm.lockedVm()).isEqualTo(ReviewFixture.R);
            assertThat(vm.vfio().invariants().isEnabled()).isTrue();
            assertThat(vm.vfio().invariants().checks()).isGreaterThanOrEqualTo(5);
            assertThat(vm.container().groups()).hasSize(2);
        }
    }
}
