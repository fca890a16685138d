package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The counters iommufd and vhost-vdpa charge: a user's locked_vm and a space's pinned_vm. */
class UserAndPinnedVmTest {
    private final SimHost host = SimHost.builder().build();

    @Test
    void processesOfOneUserShareItsLockedVmAndOtherUsersDoNot() {
        SimProcess vm1 = host.spawnProcess(ProcessSpec.defaults());
        SimProcess vm2 = host.spawnProcess(ProcessSpec.defaults());
        SimProcess other = host.spawnProcess(ProcessSpec.builder().uid(2000).build());

        assertThat(vm1.user()).isSameAs(vm2.user()).isSameAs(host.user(ProcessSpec.DEFAULT_UID));
        assertThat(vm1.user().uid()).isEqualTo(1000);
        assertThat(other.user()).isNotSameAs(vm1.user());

        vm1.user().charge(10, 16);
        vm2.user().charge(6, 16);
        assertThat(vm1.user().lockedVm()).isEqualTo(16);
        // The shared budget is full for both processes, not for the other user.
        assertErrno(Errno.ENOMEM, () -> vm2.user().charge(1, 16));
        assertThat(vm1.user().lockedVm()).isEqualTo(16);
        other.user().charge(16, 16);
        assertThat(other.user().lockedVm()).isEqualTo(16);
        // The process's own locked_vm is a different counter and stays untouched.
        assertThat(vm1.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(host.users()).extracting(SimUser::uid).containsExactly(1000, 2000);
    }

    @Test
    void pinnedVmIsCheckedOnlyAgainstTheLimitItIsGivenAndSurvivesExit() {
        SimProcess p = host.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace mm = p.simAddressSpace().orElseThrow();
        mm.retain();

        mm.chargePinned(16, 16);
        assertErrno(Errno.ENOMEM, () -> mm.chargePinned(1, 16));
        assertThat(mm.pinnedVm()).isEqualTo(16);
        mm.chargePinned(1L << 30, Long.MAX_VALUE);
        assertThat(mm.pinnedVm()).isEqualTo((1L << 30) + 16);
        assertThat(mm.lockedVm()).isZero();

        p.exit();
        mm.unchargePinned((1L << 30) + 16);
        assertThat(mm.pinnedVm()).isZero();
        mm.release();
    }

    @Test
    void unchargeBelowZeroWrapsAndIsAWarn() {
        List<String> warns = new ArrayList<>();
        host.addWarnListener(warns::add);
        SimProcess p = host.spawnProcess(ProcessSpec.defaults());
        SimAddressSpace mm = p.simAddressSpace().orElseThrow();

        p.user().charge(2, Long.MAX_VALUE);
        p.user().uncharge(3);
        mm.unchargePinned(1);

        assertThat(p.user().lockedVm()).isEqualTo(-1L);
        assertThat(p.user().underflows()).isEqualTo(1);
        assertThat(mm.pinnedVm()).isEqualTo(-1L);
        assertThat(mm.pinnedVmUnderflows()).isEqualTo(1);
        assertThat(warns)
                .containsExactly(
                        "locked_vm of user 1000 underflow: 2 - 3 wraps",
                        "pinned_vm of address space " + mm.id() + " underflow: 0 - 1 wraps");
    }

    @Test
    void aNegativeUidOrChargeIsAProgrammingError() {
        assertThatThrownBy(() -> ProcessSpec.builder().uid(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative uid: -1");
        SimProcess p = host.spawnProcess(ProcessSpec.defaults());
        assertThatThrownBy(() -> p.user().charge(-1, 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("negative charge: -1");
    }
}
