package io.vfio4j.host.power;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.host.EehPe;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.api.host.TceTableSpec;
import org.junit.jupiter.api.Test;

class PowerNvTableGroupTest {
    private static final long GIB = 1L << 30;
    private final PowerNvTableGroup pe = PowerNvTableGroup.ioda2();

    private static void assertErrno(
            Errno errno, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    @Test
    void referenceDefaults() {
        assertThat(pe.tce32Start()).isZero();
        assertThat(pe.tce32Size()).isEqualTo(2 * GIB);
        assertThat(pe.pageSizes()).isEqualTo(0x11011000L);
        assertThat(pe.maxDynamicWindows()).isEqualTo(2);
        assertThat(pe.maxLevels()).isEqualTo(5);
        assertThat(pe.hasWindowOps()).isTrue();
        assertThat(pe.eehPe()).isPresent();
        assertThat(PowerNvTableGroup.builder().noDdw().build().maxDynamicWindows()).isZero();
    }

    @Test
    void windowsArePlacedBySlot() {
        TceTableSpec s0 = pe.createTable(0, 12, 2 * GIB, 1);
        TceTableSpec s1 = pe.createTable(1, 16, 64 * GIB, 2);
        assertThat(s0.busOffset()).isZero();
        assertThat(s1.busOffset()).isEqualTo(1L << 59);
        assertThat(s0.allocatedBytes() >> 16).isEqualTo(128);
        assertThat(s1.allocatedBytes() >> 16).isEqualTo(258);
        assertThat(s1.levelShift()).isEqualTo(13);
    }

    @Test
    void createRejectsWhatTheHardwareCannotAddress() {
        assertErrno(Errno.EINVAL, () -> pe.createTable(0, 12, 1L << 55, 1));
        assertErrno(Errno.EINVAL, () -> pe.createTable(0, 16, 3 * GIB, 1));
        assertErrno(Errno.EINVAL, () -> pe.createTable(0, 16, 64 * GIB, 6));
        pe.failNextCreate(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> pe.createTable(0, 16, 64 * GIB, 1));
        assertThat(pe.createTable(0, 16, 64 * GIB, 1).entries()).isEqualTo(1L << 20);
        assertErrno(
                Errno.EPERM,
                () ->
                        PowerNvTableGroup.builder()
                                .withoutWindowOps()
                                .build()
                                .createTable(0, 12, 2 * GIB, 1));
    }

    @Test
    void programmedWindowTranslatesDma() {
        TceTableSpec spec = pe.createTable(1, 16, 64 * GIB, 1);
        long[] entries = new long[(int) spec.entries()];
        entries[3] = 0x1234_0000L | TceTableGroup.TCE_READ;
        pe.setWindow(1, spec, i -> entries[(int) i]);
        long bus = (1L << 59) + 3 * 65536 + 0x42;
        assertThat(pe.dmaTranslate(bus)).isEqualTo(0x1234_0042L);
        assertThat(pe.dmaPermissions(bus)).isEqualTo(TceTableGroup.TCE_READ);
        assertThat(pe.dmaTranslate(1L << 59)).isEqualTo(-1);
        assertThat(pe.dmaTranslate(0)).isEqualTo(-1);
        pe.invalidate(1, 3, 1);
        assertThat(pe.invalidations()).isEqualTo(1);
        pe.unsetWindow(1);
        assertThat(pe.window(1)).isEmpty();
        assertThat(pe.dmaTranslate(bus)).isEqualTo(-1);
    }

    @Test
    void writeOnlyEntriesAreStoredWithTheReadBit() {
        assertThat(pe.tcePermissions(DmaProt.WRITE))
                .isEqualTo(TceTableGroup.TCE_READ | TceTableGroup.TCE_WRITE);
        assertThat(pe.tcePermissions(DmaProt.READ)).isEqualTo(TceTableGroup.TCE_READ);
    }

    @Test
    void injectedSetWindowFailureProgramsNothing() {
        TceTableSpec spec = pe.createTable(0, 12, 2 * GIB, 1);
        pe.failNextSetWindow(Errno.ENOMEM);
        assertErrno(Errno.ENOMEM, () -> pe.setWindow(0, spec, i -> 0));
        assertThat(pe.programmedWindows()).isZero();
    }

    @Test
    void eehStateMachine() {
        EehPe eeh = pe.eehPe().orElseThrow();
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_NORMAL);
        eeh.injectError(0, 0, 0, 0);
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_STOPPED);
        eeh.thawMmio();
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_STOPPED_DMA);
        eeh.thawDma();
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_NORMAL);
        eeh.reset(EehPe.EehResetKind.HOT);
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_RESET);
        eeh.reset(EehPe.EehResetKind.DEACTIVATE);
        eeh.configure();
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_NORMAL);
        eeh.setEnabled(false);
        assertThat(eeh.state()).isEqualTo(EehPeOp.STATE_UNAVAIL);
        assertErrno(Errno.EINVAL, () -> eeh.injectError(7, 0, 0, 0));
    }
}
