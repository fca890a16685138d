package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.MiB;
import static io.vfio4j.type1.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.command.UnmapDma;
import org.junit.jupiter.api.Test;

/**
 * DMA-unmap listeners (docs/reference/type1-mdev.md §3.5): who is told, what, how often, and the
 * fatal end.
 */
class ListenerTest {

    @Test
    void wellBehavedVendorIsToldOnceWithTheWholeMapping() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, 4 * MiB);
        d.pin(MiB, 3, DmaProt.RW);
        UnmapDma.Result r = f.unmap(0, 4 * MiB);
        assertThat(r.unmappedBytes()).isEqualTo(4 * MiB);
        assertThat(d.notifications).hasSize(1);
        assertThat(d.notifications.get(0)).containsExactly(0, 4 * MiB);
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void mappingsWithoutPinsAreNeverNotified() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        f.map(MiB, MiB);
        d.pin(MiB, 1, DmaProt.READ);
        f.unmap(0, 2 * MiB);
        assertThat(d.notifications).hasSize(1);
        assertThat(d.notifications.get(0)).containsExactly(MiB, MiB);
    }

    @Test
    void slowVendorIsRetriedUntilItHasUnpinned() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev(VendorDevice.Behaviour.ONE_PAGE_PER_CALL);
        f.map(0, MiB);
        for (int i = 0; i < 11; i++) {
            d.pin(i * 2 * P, 1, DmaProt.READ);
        }
        // 11 pages, one per notification: the 11th notification is still allowed.
        assertThat(f.unmap(0, MiB).unmappedBytes()).isEqualTo(MiB);
        assertThat(d.notifications).hasSize(11);
        assertThat(f.lv()).isZero();
    }

    @Test
    void misbehavingVendorEndsInKernelBugAfterTheEleventhNotification() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev(VendorDevice.Behaviour.IGNORES);
        f.map(0, MiB);
        d.pin(0, 4, DmaProt.RW);
        Snapshot before = f.snapshot();
        assertThatThrownBy(() -> f.unmap(0, MiB))
                .isInstanceOf(KernelBugError.class)
                .hasMessageContaining("11 DMA-unmap notifications");
        assertThat(d.notifications).hasSize(11);
        before.assertUnchanged(f);
    }

    @Test
    void slowVendorNeedingTwelveCallsHitsTheBug() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev(VendorDevice.Behaviour.ONE_PAGE_PER_CALL);
        f.map(0, MiB);
        d.pin(0, 12, DmaProt.READ);
        assertThatThrownBy(() -> f.unmap(0, MiB)).isInstanceOf(KernelBugError.class);
        assertThat(d.notifications).hasSize(11);
        assertThat(f.lv()).isEqualTo(1);
    }

    @Test
    void retryCounterRestartsForEachMapping() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev(VendorDevice.Behaviour.ONE_PAGE_PER_CALL);
        f.map(0, MiB);
        f.map(MiB, MiB);
        d.pin(0, 8, DmaProt.READ);
        d.pin(MiB, 8, DmaProt.READ);
        assertThat(f.unmap(0, 2 * MiB).unmappedBytes()).isEqualTo(2 * MiB);
        assertThat(d.notifications).hasSize(16);
    }

    @Test
    void listenerRunsWithoutTheContainerLockAndMayPinElsewhere() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        f.map(MiB, MiB);
        d.pin(0, 1, DmaProt.READ);
        VendorDevice other =
                new VendorDevice(
                        "mdev-other", d.group(), f.ops, P, VendorDevice.Behaviour.WELL_BEHAVED) {
                    @Override
                    public void dmaUnmap(long iova, long length) {
                        super.dmaUnmap(iova, length);
                        // Another thread would block here if the lock were held; the same thread
                        // would
                        // re-enter. Pinning outside the range is legal.
                        Thread t = new Thread(() -> f.ops.state());
                        t.start();
                        try {
                            t.join(5_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        assertThat(t.isAlive()).isFalse();
                        pin(MiB, 1, DmaProt.READ);
                    }
                };
        other.register();
        assertThat(f.unmap(0, MiB).unmappedBytes()).isEqualTo(MiB);
        assertThat(f.ops.state().pinnedPages()).isEqualTo(1);
        assertThat(f.lv()).isEqualTo(1);
    }

    @Test
    void unmapAllNotifiesToo() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 1, DmaProt.READ);
        assertThat(f.exec(UnmapDma.all()).unmappedBytes()).isEqualTo(MiB);
        assertThat(d.notifications).hasSize(1);
    }
}
