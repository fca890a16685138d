package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import org.junit.jupiter.api.Test;

/**
 * {@code pinned_vm}: vhost-vdpa's counter, apart from locked_vm, checked against the same limit.
 */
class PinnedVmTest {
    private final SimHost host = SimHost.builder().build();
    private final SimProcess proc =
            host.spawnProcess(ProcessSpec.builder().name("qemu").capIpcLock(true).build());
    private final SimAddressSpace mm = proc.simAddressSpace().orElseThrow();

    @Test
    void chargesUpToTheLimitExactlyAndRefusesOneMoreWithEnomemLeavingTheCounter() {
        mm.pinnedVm().charge(10, 16);
        mm.pinnedVm().charge(6, 16);

        assertThat(mm.pinnedVm().pages()).isEqualTo(16);
        // CAP_IPC_LOCK is not consulted by vhost-vdpa: the process has it, the charge still fails.
        assertErrno(Errno.ENOMEM, () -> mm.pinnedVm().charge(1, 16));
        assertThat(mm.pinnedVm().pages()).isEqualTo(16);
    }

    @Test
    void isIndependentOfLockedVm() {
        mm.charge(12, 16, false);
        mm.pinnedVm().charge(16, 16);

        assertThat(mm.lockedVm()).isEqualTo(12);
        assertThat(mm.pinnedVm().pages()).isEqualTo(16);
        mm.pinnedVm().uncharge(16);
        assertThat(mm.pinnedVm().pages()).isZero();
        assertThat(mm.lockedVm()).isEqualTo(12);
    }

    @Test
    void anUnchargeBeyondWhatWasChargedIsRefusedAndChangesNothing() {
        mm.pinnedVm().charge(3, 16);

        assertThatThrownBy(() -> mm.pinnedVm().uncharge(4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than charged");
        assertThat(mm.pinnedVm().pages()).isEqualTo(3);
        assertThatThrownBy(() -> mm.pinnedVm().charge(-1, 16))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
