package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.host.AttachmentKey;
import io.vfio4j.api.host.PinnedRun;
import io.vfio4j.api.host.Task;
import org.junit.jupiter.api.Test;

class AccountingTest {
    private static final long VA = 0x10_0000_0000L;

    private final SimHost host = SimHost.builder().build();
    private final SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
    private final SimAddressSpace mm = proc.simAddressSpace().orElseThrow();

    @Test
    void defaultLimitIsSixtyFourKib() {
        assertThat(proc.memlockLimitBytes()).isEqualTo(65536);
        assertThat(proc.memlockLimitPages(host.pageSize())).isEqualTo(16);
        assertThat(proc.capIpcLock()).isFalse();
        assertThat(proc.capSysRawio()).isFalse();
    }

    @Test
    void chargingUpToTheLimitSucceedsAndOneMoreIsEnomemWithoutTrace() {
        mm.charge(10, 16, false);
        mm.charge(6, 16, false);

        assertThat(mm.lockedVm()).isEqualTo(16);
        assertErrno(Errno.ENOMEM, () -> mm.charge(1, 16, false));
        assertThat(mm.lockedVm()).isEqualTo(16);
    }

    @Test
    void capIpcLockBypassesTheCheckButNotTheCount() {
        mm.charge(100, 16, true);

        assertThat(mm.lockedVm()).isEqualTo(100);
        assertErrno(Errno.ENOMEM, () -> mm.charge(1, 16, false));
        mm.charge(1, 16, true);
        assertThat(mm.lockedVm()).isEqualTo(101);
    }

    @Test
    void unlimitedRlimitAcceptsAnyCharge() {
        proc.setMemlockLimitBytes(Task.UNLIMITED);

        mm.charge(1L << 40, proc.memlockLimitPages(host.pageSize()), false);

        assertThat(mm.lockedVm()).isEqualTo(1L << 40);
    }

    @Test
    void unchargeBelowZeroWrapsAndCountsTheUnderflow() {
        mm.charge(5, 16, false);

        mm.uncharge(7);

        assertThat(mm.lockedVm()).isEqualTo(-2L);
        assertThat(Long.toUnsignedString(mm.lockedVm())).isEqualTo("18446744073709551614");
        assertThat(mm.underflows()).isEqualTo(1);
        // The wrapped counter is huge unsigned: even an unlimited-looking limit refuses.
        assertErrno(Errno.ENOMEM, () -> mm.charge(1, Long.MAX_VALUE, false));
        mm.charge(2, 16, false);
        assertThat(mm.lockedVm()).isZero();
        mm.uncharge(0);
        assertThat(mm.underflows()).isEqualTo(1);
    }

    @Test
    void anExitedSpaceKeepsItsCounterForReferenceHoldersButCannotPin() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        PinnedRun pinned = mm.pinRun(VA, 4, true);
        mm.retain();
        mm.charge(10, 16, false);

        proc.exit();

        assertThat(proc.isAlive()).isFalse();
        assertThat(proc.addressSpace()).isEmpty();
        assertThat(mm.isAlive()).isFalse();
        assertThat(mm.regions()).isEmpty();
        mm.charge(5, 16, false);
        assertThat(mm.lockedVm()).isEqualTo(15);
        mm.uncharge(15);
        assertThat(mm.lockedVm()).isZero();
        assertErrno(Errno.ENODEV, () -> mm.pinRun(VA, 1, true));
        assertErrno(Errno.ENODEV, () -> mm.translate(VA, 1));
        assertErrno(Errno.ENODEV, () -> mm.read(VA, new byte[1], 0, 1));
        // Pins belong to the frames: they survive the exit and are dropped by the holder.
        assertThat(host.memory().pinCount(pinned.pfn())).isEqualTo(1);
        host.memory().unpin(pinned.pfn(), 4, false);
        assertThat(host.memory().totalPins()).isZero();
        assertThat(host.addressSpaces()).contains(mm);
        mm.release();
        assertThat(host.addressSpaces()).doesNotContain(mm);
    }

    @Test
    void exitIsIdempotentAndProcessHelpersRefuseAfterIt() {
        proc.exit();
        proc.exit();

        assertThat(proc.isAlive()).isFalse();
        assertThatThrownBy(() -> proc.mmap(RegionSpec.anonymous(VA, 4096)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(proc::exec).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void execGivesANewEmptySpaceAndTheOldOneDiesAsOnExit() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        mm.retain();
        mm.charge(3, 16, false);

        SimAddressSpace fresh = proc.exec();

        assertThat(fresh.id()).isNotEqualTo(mm.id());
        assertThat(fresh.ownerPid()).isEqualTo(proc.pid());
        assertThat(proc.addressSpace()).containsSame(fresh);
        assertThat(proc.isAlive()).isTrue();
        assertThat(fresh.isAlive()).isTrue();
        assertThat(fresh.regions()).isEmpty();
        assertThat(fresh.lockedVm()).isZero();
        assertThat(mm.isAlive()).isFalse();
        assertThat(mm.lockedVm()).isEqualTo(3);
        assertErrno(Errno.ENODEV, () -> mm.pinRun(VA, 1, false));
        assertErrno(Errno.EFAULT, () -> fresh.pinRun(VA, 1, false));
        assertThat(host.addressSpaces()).containsExactly(mm, fresh);
    }

    @Test
    void releaseWithoutRetainIsABug() {
        mm.retain();
        mm.release();

        assertThat(mm.references()).isZero();
        assertThatThrownBy(mm::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void negativeCountsAreBugs() {
        assertThatThrownBy(() -> mm.charge(-1, 16, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mm.uncharge(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(mm.lockedVm()).isZero();
    }

    @Test
    void attachmentsAreCreatedOnceAndSharedPerSpace() {
        AttachmentKey<StringBuilder> key = new AttachmentKey<>("prereg", StringBuilder.class);
        int[] created = new int[1];

        StringBuilder a =
                mm.attachment(
                        key,
                        () -> {
                            created[0]++;
                            return new StringBuilder();
                        });
        StringBuilder b = mm.attachment(key, StringBuilder::new);

        assertThat(b).isSameAs(a);
        assertThat(created[0]).isEqualTo(1);
        assertThat(proc.exec().attachment(key, StringBuilder::new)).isNotSameAs(a);
    }

    @Test
    void settersChangeWhatTheTaskReports() {
        proc.setCapIpcLock(true);
        proc.setCapSysRawio(true);
        proc.setMemlockLimitBytes(1 << 20);

        assertThat(proc.capIpcLock()).isTrue();
        assertThat(proc.capSysRawio()).isTrue();
        assertThat(proc.memlockLimitPages(4096)).isEqualTo(256);
        assertThatThrownBy(() -> proc.setMemlockLimitBytes(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
