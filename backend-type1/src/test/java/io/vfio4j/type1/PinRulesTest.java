package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.MiB;
import static io.vfio4j.type1.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.command.UnmapDma;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pin and unpin rules of docs/reference/type1-mdev.md §3 beyond the §7 cases, strict mode and the
 * leak deviation (docs/reference/type1-mdev.md §3.6).
 */
class PinRulesTest {

    @Test
    void v1ContainerRefusesPinWithEacces() {
        Fixture f = Fixture.builder().type(io.vfio4j.api.IommuType.TYPE1).build();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        Expect.refusedWithoutTrace(f, Errno.EACCES, () -> d.pin(0, 1, DmaProt.READ));
    }

    @Test
    void pinWhileAVaddrIsInvalidIsEbusy() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        f.exec(UnmapDma.of(0, MiB, UnmapDma.VADDR));
        VendorDevice d =
                new VendorDevice(
                        "d", TestGroup.emulated(9), f.ops, P, VendorDevice.Behaviour.WELL_BEHAVED);
        d.register();
        Expect.refusedWithoutTrace(f, Errno.EBUSY, () -> d.pin(0, 1, DmaProt.READ));
        Expect.refusedWithoutTrace(
                f, Errno.EBUSY, () -> f.ops.dmaRw(d, 0, new byte[8], 0, 8, false));
    }

    @Test
    void pinOfADeadOwnersMappingIsEnodev() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        f.qemu.exit();
        Expect.refusedWithoutTrace(f, Errno.ENODEV, () -> d.pin(0, 1, DmaProt.READ));
    }

    @Test
    void pinAcrossTwoMappingsChargesEachOwnerAndAFailureReleasesBoth() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        f.map(MiB, MiB);
        d.pin(MiB - 2 * P, 4, DmaProt.RW);
        assertThat(f.lv()).isEqualTo(4);
        // The fifth page of this call is outside every mapping: nothing of the call stays.
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> d.pin(2 * MiB - 4 * P, 5, DmaProt.RW));
        assertThat(f.ops.state().pinReferences()).isEqualTo(4);
    }

    @Test
    void referencesAreCountedPerIovaAcrossDevices() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        long[] px = x.pin(0, 1, DmaProt.READ);
        long[] py = y.pin(0, 1, DmaProt.READ);
        assertThat(py[0]).isEqualTo(px[0]);
        assertThat(f.host.memory().pinCount(px[0])).isEqualTo(1);
        assertThat(f.ops.state().pinReferences()).isEqualTo(2);
        assertThat(f.lv()).isEqualTo(1);
        x.unpin(0, 1);
        assertThat(f.lv()).isEqualTo(1);
        y.unpin(0, 1);
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().pinCount(px[0])).isZero();
    }

    @Test
    void unpinOfANeverPinnedPageIsANoOpByDefault() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 1, DmaProt.READ);
        Snapshot before = f.snapshot();
        f.ops.unpinPages(d, 8 * P, 4);
        before.assertUnchanged(f);
    }

    @Test
    void defaultModeLetsADeviceDropAnotherDevicesReference() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        x.pin(0, 1, DmaProt.READ);
        f.ops.unpinPages(y, 0, 1); // the kernel's rule: references belong to the IOVA
        assertThat(f.ops.state().pinnedPages()).isZero();
        assertThat(f.lv()).isZero();
        f.assertAuditClean();
    }

    @Test
    void strictUnpinRefusesANeverPinnedPage() {
        Fixture f = Fixture.builder().setting("strict-unpin", "true").build();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 1, DmaProt.READ);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(d, 0, 2));
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(d, 4 * MiB, 1));
    }

    @Test
    void strictUnpinRefusesDroppingAnotherDevicesReference() {
        Fixture f = Fixture.builder().setting("strict-unpin", "true").build();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        x.pin(0, 1, DmaProt.READ);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(y, 0, 1));
        x.unpin(0, 1);
        assertThat(f.lv()).isZero();
    }

    @Test
    void leakAtDetachIsUnpinnedUnchargedAndReportedPerDevice() {
        Fixture f = Fixture.md();
        VendorDevice keep = f.mdev();
        VendorDevice leaky = f.mdev();
        f.map(0, MiB);
        keep.pin(0, 2, DmaProt.READ);
        leaky.pin(P, 3, DmaProt.READ);
        leaky.pin(P, 1, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(4);
        f.ops.detachGroup(leaky.group());
        // Page 1 is still held by `keep`; pages 2 and 3 were only the leaker's.
        assertThat(f.lv()).isEqualTo(2);
        assertThat(f.ops.state().pinReferences()).isEqualTo(2);
        assertThat(f.events.leaks)
                .containsExactly(
                        new VendorLeak("type1", leaky.name(), List.of(P, 2 * P, 3 * P), 4));
        f.assertAuditClean();
    }

    @Test
    void leakAtLastDetachBeforeMappingsGoAway() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 7, DmaProt.READ);
        f.ops.detachGroup(d.group());
        assertThat(f.mappings()).isZero();
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
        assertThat(f.events.leaks).hasSize(1);
        assertThat(f.events.leaks.get(0).references()).isEqualTo(7);
    }

    @Test
    void releaseUnpinsAndReportsLeftovers() {
        Fixture f = Fixture.pt();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 3, DmaProt.READ);
        f.ops.release();
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
        assertThat(f.events.leaks).hasSize(1);
        assertThat(f.mm().references()).isZero();
    }

    @Test
    void deadOwnerIsNotUnchargedAtUnmap() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        var mm = f.mm();
        f.qemu.exit();
        assertThat(f.unmap(0, MiB).unmappedBytes()).isEqualTo(MiB);
        assertThat(mm.lockedVm()).isEqualTo(256);
        assertThat(mm.underflows()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }
}
