package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.MiB;
import static io.vfio4j.type1.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.host.FaultInjector.FaultSite;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The holders of external pin references: one device alone is the sole holder (no per-device
 * table); a second device switches the container to per-device tables until no reference is left.
 * Every observable answer (unpin attribution, strict refusals, leak reports, audit) must be the
 * same in both modes.
 */
class SoleHolderModeTest {

    private static Type1Container container(Fixture f) {
        return (Type1Container) f.ops;
    }

    private static void assertCounts(Fixture f, long pages, long refs, long lockedVm) {
        assertThat(f.ops.state().pinnedPages()).as("pinned pages").isEqualTo(pages);
        assertThat(f.ops.state().pinReferences()).as("pin references").isEqualTo(refs);
        assertThat(f.lv()).as("locked_vm").isEqualTo(lockedVm);
        f.assertAuditClean();
    }

    @Test
    void aDevicePinningAloneIsTheSoleHolderUntilItsLastReferenceGoes() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        f.map(0, MiB);
        assertThat(container(f).soleHolder()).isNull();
        x.pin(0, 4, DmaProt.RW);
        x.pin(P, 1, DmaProt.READ);
        assertThat(container(f).soleHolder()).isSameAs(x);
        assertCounts(f, 4, 5, 4);
        x.unpin(0, 4);
        assertThat(container(f).soleHolder()).isSameAs(x);
        assertCounts(f, 1, 1, 1);
        x.unpin(P, 1);
        assertThat(container(f).soleHolder()).isNull();
        assertCounts(f, 0, 0, 0);
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void aSecondDeviceSwitchesToPerDeviceTablesAndAllUnpinnedSwitchesBack() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        long[] px = x.pin(0, 4, DmaProt.RW);
        long[] py = y.pin(2 * P, 4, DmaProt.RW); // pages 2 and 3 shared
        assertThat(container(f).soleHolder()).isNull();
        assertThat(py[0]).isEqualTo(px[2]);
        assertThat(py[1]).isEqualTo(px[3]);
        assertThat(f.host.memory().pinCount(px[2])).isEqualTo(1);
        assertCounts(f, 6, 8, 6);
        x.unpin(0, 4);
        assertThat(container(f).soleHolder()).isNull();
        assertThat(f.host.memory().pinCount(px[0])).isZero();
        assertThat(f.host.memory().pinCount(px[2])).isEqualTo(1);
        assertCounts(f, 4, 4, 4);
        y.unpin(2 * P, 4);
        assertThat(container(f).soleHolder()).isNull();
        assertCounts(f, 0, 0, 0);
        // Nothing held: the next device to pin is the sole holder, until another one pins.
        y.pin(8 * P, 1, DmaProt.READ);
        assertThat(container(f).soleHolder()).isSameAs(y);
        x.pin(9 * P, 1, DmaProt.READ);
        assertThat(container(f).soleHolder()).isNull();
        assertCounts(f, 2, 2, 2);
        // Both stayed registered: reports follow the order in which they first pinned.
        f.ops.release();
        assertThat(f.events.leaks)
                .containsExactly(
                        new VendorLeak("type1", x.name(), List.of(9 * P), 1),
                        new VendorLeak("type1", y.name(), List.of(8 * P), 1));
    }

    @Test
    void anUnpinByANonHolderDropsTheSoleHoldersReference() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice z = f.mdev();
        f.map(0, MiB);
        x.pin(0, 1, DmaProt.READ);
        x.pin(0, 1, DmaProt.READ);
        f.ops.unpinPages(z, 0, 1);
        assertThat(container(f).soleHolder()).isSameAs(x);
        assertCounts(f, 1, 1, 1);
        f.ops.detachGroup(z.group());
        assertThat(f.events.leaks).isEmpty();
        f.ops.detachGroup(x.group());
        assertThat(f.events.leaks)
                .containsExactly(new VendorLeak("type1", x.name(), List.of(0L), 1));
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void anUnpinByANonHolderDropsTheFirstHoldersReferenceInFirstPinOrder() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        VendorDevice z = f.mdev();
        f.map(0, MiB);
        x.pin(0, 1, DmaProt.READ);
        y.pin(0, 1, DmaProt.READ);
        f.ops.unpinPages(z, 0, 1); // taken from x, which pinned first
        assertCounts(f, 1, 1, 1);
        f.ops.detachGroup(x.group());
        assertThat(f.events.leaks).isEmpty();
        assertCounts(f, 1, 1, 1);
        f.ops.detachGroup(y.group());
        assertThat(f.events.leaks)
                .containsExactly(new VendorLeak("type1", y.name(), List.of(0L), 1));
        assertCounts(f, 0, 0, 0);
    }

    @Test
    void leaksOfEitherDeviceAtDetachHaveExactPagesAndReferences() {
        for (boolean xFirst : new boolean[] {true, false}) {
            Fixture f = Fixture.md();
            VendorDevice x = f.mdev();
            VendorDevice y = f.mdev();
            f.map(0, MiB);
            x.pin(0, 3, DmaProt.READ);
            x.pin(P, 1, DmaProt.READ); // x: 0 -> 1, P -> 2, 2P -> 1
            y.pin(P, 2, DmaProt.READ);
            y.pin(5 * P, 1, DmaProt.READ); // y: P -> 1, 2P -> 1, 5P -> 1
            assertCounts(f, 4, 7, 4);
            VendorLeak xLeak = new VendorLeak("type1", x.name(), List.of(0L, P, 2 * P), 4);
            VendorLeak yLeak = new VendorLeak("type1", y.name(), List.of(P, 2 * P, 5 * P), 3);
            if (xFirst) {
                f.ops.detachGroup(x.group());
                assertThat(f.events.leaks).containsExactly(xLeak);
                assertCounts(f, 3, 3, 3); // P, 2P, 5P: y's
                f.ops.detachGroup(y.group());
                assertThat(f.events.leaks).containsExactly(xLeak, yLeak);
            } else {
                f.ops.detachGroup(y.group());
                assertThat(f.events.leaks).containsExactly(yLeak);
                assertCounts(f, 3, 4, 3); // 0, P, 2P: x's
                f.ops.detachGroup(x.group());
                assertThat(f.events.leaks).containsExactly(yLeak, xLeak);
            }
            assertThat(f.lv()).isZero();
            assertThat(f.host.memory().totalPins()).isZero();
            assertThat(f.mappings()).isZero();
        }
    }

    @Test
    void theSoleHoldersLeakSpansMappingsAndAnotherGroupsDetachLeavesItAlone() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev(); // registered, never pins
        f.map(0, MiB);
        f.map(MiB, MiB);
        x.pin(MiB - 2 * P, 4, DmaProt.READ);
        x.pin(MiB - P, 1, DmaProt.READ);
        f.ops.detachGroup(y.group());
        assertThat(f.events.leaks).isEmpty();
        assertThat(container(f).soleHolder()).isSameAs(x);
        assertCounts(f, 4, 5, 4);
        f.ops.detachGroup(x.group());
        assertThat(f.events.leaks)
                .containsExactly(
                        new VendorLeak(
                                "type1", x.name(), List.of(MiB - 2 * P, MiB - P, MiB, MiB + P), 5));
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void releaseReportsEveryDevicesLeftoversInFirstPinOrder() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        y.pin(3 * P, 2, DmaProt.READ);
        x.pin(0, 1, DmaProt.READ);
        x.pin(3 * P, 1, DmaProt.READ);
        assertCounts(f, 3, 4, 3);
        f.ops.release();
        assertThat(f.events.leaks)
                .containsExactly(
                        new VendorLeak("type1", y.name(), List.of(3 * P, 4 * P), 2),
                        new VendorLeak("type1", x.name(), List.of(0L, 3 * P), 2));
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
        assertThat(f.mm().references()).isZero();
    }

    @Test
    void releaseReportsTheSoleHoldersLeftovers() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        f.map(0, MiB);
        x.pin(0, 2, DmaProt.READ);
        x.pin(0, 1, DmaProt.READ);
        f.ops.release();
        assertThat(f.events.leaks)
                .containsExactly(new VendorLeak("type1", x.name(), List.of(0L, P), 3));
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void strictUnpinRefusesAnotherDevicesPagesInBothModes() {
        Fixture f = Fixture.builder().setting("strict-unpin", "true").build();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        x.pin(0, 2, DmaProt.READ);
        // Sole holder x.
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(y, 0, 1));
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(x, 0, 3));
        y.pin(2 * P, 1, DmaProt.READ);
        assertThat(container(f).soleHolder()).isNull();
        // Per-device tables: a call touching one page of the other device changes nothing.
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(y, P, 2));
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(x, P, 2));
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.unpinPages(x, 2 * P, 1));
        assertCounts(f, 3, 3, 3);
        x.unpin(0, 2);
        y.unpin(2 * P, 1);
        assertCounts(f, 0, 0, 0);
        assertThat(container(f).soleHolder()).isNull();
    }

    @Test
    void anotherHandleWithTheSameNameIsTheSameDevice() {
        Fixture f = Fixture.builder().setting("strict-unpin", "true").build();
        VendorDevice x = f.mdev();
        f.map(0, MiB);
        x.pin(0, 1, DmaProt.READ);
        VendorDevice again =
                new VendorDevice(
                        x.name(), x.group(), f.ops, P, VendorDevice.Behaviour.WELL_BEHAVED);
        again.pin(P, 1, DmaProt.READ);
        assertThat(container(f).soleHolder()).isSameAs(x);
        f.ops.unpinPages(again, 0, 1);
        f.ops.unpinPages(x, P, 1);
        assertCounts(f, 0, 0, 0);
    }

    @Test
    void aDeviceForgottenAfterUnregisteringIsTrackedAfreshWhenItPinsAgain() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        x.pin(0, 1, DmaProt.READ);
        x.unpin(0, 1);
        f.ops.unregisterDevice(x); // holds nothing and unregistered: forgotten
        x.pin(0, 1, DmaProt.READ); // allowed: y is registered
        y.pin(P, 1, DmaProt.READ);
        assertCounts(f, 2, 2, 2);
        f.ops.release();
        assertThat(f.events.leaks)
                .containsExactly(
                        new VendorLeak("type1", x.name(), List.of(0L), 1),
                        new VendorLeak("type1", y.name(), List.of(P), 1));
    }

    @Test
    void aFailedPinOfASecondDeviceLeavesEveryHolderAsItWas() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, 4 * MiB);
        long[] px = x.pin(0, 2, DmaProt.RW);
        // Pages 0..1 exist, 2..63 one run, 64..127 the next, 128..199 a third.
        f.host.faults().failNth(2, Errno.EFAULT, FaultSite.PIN);
        Expect.refusedWithoutTrace(f, Errno.EFAULT, () -> y.pin(0, 200, DmaProt.RW));
        assertCounts(f, 2, 2, 2);
        long[] py = y.pin(0, 200, DmaProt.RW);
        assertThat(py[0]).isEqualTo(px[0]);
        assertThat(py[1]).isEqualTo(px[1]);
        assertCounts(f, 200, 202, 200);
        f.ops.detachGroup(y.group());
        assertThat(f.events.leaks).hasSize(1);
        assertThat(f.events.leaks.get(0).device()).isEqualTo(y.name());
        assertThat(f.events.leaks.get(0).references()).isEqualTo(200);
        assertThat(f.events.leaks.get(0).iovas()).hasSize(200).startsWith(0L, P).endsWith(199 * P);
        assertCounts(f, 2, 2, 2);
        f.ops.detachGroup(x.group());
        assertThat(f.events.leaks.get(1))
                .isEqualTo(new VendorLeak("type1", x.name(), List.of(0L, P), 2));
    }

    @Test
    void aFailedFirstPinLeavesNoHolder() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        // The 257th page is outside the mapping.
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> x.pin(0, 257, DmaProt.READ));
        assertThat(container(f).soleHolder()).isNull();
        y.pin(0, 1, DmaProt.READ);
        assertThat(container(f).soleHolder()).isSameAs(y);
        assertCounts(f, 1, 1, 1);
    }
}
