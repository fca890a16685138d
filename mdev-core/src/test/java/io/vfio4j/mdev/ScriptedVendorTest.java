package io.vfio4j.mdev;

import static io.vfio4j.mdev.Errnos.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.command.UnmapDma;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The scripted vendor of tests, the conformance kit and scenarios: its behaviours. */
class ScriptedVendorTest {
    private static final long P = 4096;
    private static final String PARENT = "0000:66:00.0";

    private final MdevTestBed bed = new MdevTestBed();
    private final MdevParent parent =
            bed.bus.registerParent(
                    PARENT,
                    new ScriptedVendor(
                            "scripted",
                            P,
                            Map.of(
                                    "leaky", VendorBehaviour.LEAKS_ON_CLOSE,
                                    "deaf", VendorBehaviour.IGNORES_UNMAP,
                                    "slow", VendorBehaviour.UNPINS_ONE_PAGE,
                                    "nopin", VendorBehaviour.NO_DMA_UNMAP)),
                    List.of(
                            new MdevTypeSpec("good", "well behaved", 2),
                            new MdevTypeSpec("leaky", "leaks on close", 1),
                            new MdevTypeSpec("deaf", "ignores unmap", 1),
                            new MdevTypeSpec("slow", "unpins one page per notification", 1),
                            new MdevTypeSpec("nopin", "no DMA-unmap callback", 1)));

    private MdevDevice plug(String type) {
        MdevDevice d = bed.bus.create(parent.requireType("scripted-" + type), UUID.randomUUID());
        d.group().setContainer(bed.qemu, bed.container);
        if (bed.container.backendName().isEmpty()) {
            bed.container.setIommu(IommuType.TYPE1v2);
            bed.mapRam();
        }
        d.group().openDevice(d.name());
        return d;
    }

    @Test
    void typesWithoutAGivenBehaviourAreWellBehaved() {
        MdevDevice d = bed.bus.create(parent.requireType("scripted-good"), UUID.randomUUID());
        assertThat(ScriptedVendor.of(d).behaviour()).isEqualTo(VendorBehaviour.WELL_BEHAVED);
        assertThat(VendorBehaviour.labels())
                .containsExactly(
                        "well-behaved",
                        "leaks-on-close",
                        "ignores-unmap",
                        "unpins-one-page",
                        "no-dma-unmap");
        assertThat(VendorBehaviour.ofLabel("leaks-on-close"))
                .contains(VendorBehaviour.LEAKS_ON_CLOSE);
        assertThat(VendorBehaviour.ofLabel("leaky")).isEmpty();
    }

    @Test
    void aWellBehavedDeviceReleasesOnUnmapAndAtClose() {
        MdevDevice d = plug("good");
        ScriptedDevice s = ScriptedVendor.of(d);
        assertThat(s.pin(0, 3, DmaProt.RW)).isEqualTo(3);
        s.pin(P, 1, DmaProt.RW);
        s.pin(32 * P, 2, DmaProt.RW);
        assertThat(s.held())
                .containsExactly(
                        Map.entry(0L, 1),
                        Map.entry(P, 2),
                        Map.entry(2 * P, 1),
                        Map.entry(32 * P, 1),
                        Map.entry(33 * P, 1));
        assertThat(bed.lockedVm()).isEqualTo(5);

        // Unmapping the RAM notifies once; the device lets go of everything in it.
        assertThat(s.notifications()).isEmpty();
        bed.container.ioctl(bed.qemu, UnmapDma.of(0, MdevTestBed.RAM));
        assertThat(s.notifications())
                .containsExactly(new ScriptedDevice.Notification(0, MdevTestBed.RAM));
        assertThat(s.held()).isEmpty();
        assertThat(bed.lockedVm()).isZero();

        bed.mapRam();
        s.pin(7 * P, 2, DmaProt.READ);
        d.vfioDevice().close();
        assertThat(s.isOpen()).isFalse();
        assertThat(bed.ops().references(d.name(), 7 * P)).isZero();
        d.group().unsetContainer();
        assertThat(bed.vfio.vendorLeaks()).isEmpty();
    }

    @Test
    void aLeakingDeviceKeepsItsPinsAtCloseAndTheDetachReportsThem() {
        MdevDevice d = plug("leaky");
        ScriptedDevice s = ScriptedVendor.of(d);
        s.pin(4 * P, 5, DmaProt.RW);
        d.vfioDevice().close();
        assertThat(s.held()).isEmpty();
        assertThat(bed.ops().references(d.name(), 4 * P)).isEqualTo(1);
        assertThat(bed.lockedVm()).isEqualTo(5);
        d.group().unsetContainer();
        assertThat(bed.vfio.vendorLeaks()).hasSize(1);
        assertThat(bed.vfio.vendorLeaks().get(0).references()).isEqualTo(5);
        assertThat(bed.lockedVm()).isZero();
    }

    @Test
    void aDeafDeviceKeepsItsPinsOnUnmapUntilTheBackendGivesUp() {
        MdevDevice d = plug("deaf");
        ScriptedDevice s = ScriptedVendor.of(d);
        s.pin(0, 8, DmaProt.RW);
        assertThatThrownBy(() -> bed.container.ioctl(bed.qemu, UnmapDma.of(0, MdevTestBed.RAM)))
                .isInstanceOf(KernelBugError.class);
        assertThat(s.notifications()).hasSize(11);
        assertThat(s.held()).hasSize(8);
    }

    @Test
    void scriptedUnpinsAreForwardedAsTheyAreAndTheRecordFollows() {
        MdevDevice d = plug("good");
        ScriptedDevice s = ScriptedVendor.of(d);
        s.pin(0, 2, DmaProt.RW);
        s.pin(0, 1, DmaProt.RW);
        bed.backend.calls.clear();
        // Pages 2 and 3 are not held: the call still reaches the backend, which ignores them.
        s.unpin(0, 4);
        assertThat(bed.backend.calls).containsExactly("unpin " + d.name() + " 4");
        assertThat(s.held()).containsExactly(Map.entry(0L, 1));
        assertThat(bed.ops().references(d.name(), 0)).isEqualTo(1);
        assertThat(bed.lockedVm()).isEqualTo(1);

        // The caller unpins through the device itself, then tells the record.
        s.device().unpinPages(0, 1);
        s.forget(0, 1);
        assertThat(s.held()).isEmpty();
        assertThat(bed.lockedVm()).isZero();
    }

    @Test
    void refusedPinsHoldNothingAndAClosedDeviceCannotBeScripted() {
        MdevDevice d = plug("good");
        ScriptedDevice s = ScriptedVendor.of(d);
        assertErrno(() -> s.pin(0, 513, DmaProt.RW), Errno.E2BIG);
        assertErrno(() -> s.pin(0, 0, DmaProt.RW), Errno.EINVAL);
        assertErrno(() -> s.pin(MdevTestBed.RAM, 1, DmaProt.RW), Errno.EINVAL);
        assertThat(s.held()).isEmpty();
        assertThat(bed.lockedVm()).isZero();
        d.vfioDevice().close();
        assertThatThrownBy(() -> s.pin(0, 1, DmaProt.RW)).isInstanceOf(IllegalStateException.class);
        assertErrno(() -> d.regionRead(0, 1), Errno.EINVAL);
    }

    @Test
    void aSlowVendorUnpinsOnePagePerNotificationSoTheUnmapNotifiesOncePerPage() {
        MdevDevice d = plug("slow");
        ScriptedDevice s = ScriptedVendor.of(d);
        s.pin(0, 1, DmaProt.RW);
        s.pin(8 * P, 1, DmaProt.RW);
        s.pin(100 * P, 1, DmaProt.RW);
        s.dmaUnmap(0, 1 << 20);
        assertThat(s.held()).containsExactly(Map.entry(8 * P, 1), Map.entry(100 * P, 1));
        s.dmaUnmap(0, 1 << 20);
        s.dmaUnmap(0, 1 << 20);
        assertThat(s.held()).isEmpty();
        assertThat(s.notifications()).hasSize(3);
    }

    @Test
    void aVendorWithoutTheCallbackDoesNotPinAndItsPinsAreRefused() {
        MdevDevice d = plug("nopin");
        ScriptedDevice s = ScriptedVendor.of(d);
        assertThat(s.pinsPages()).isFalse();
        assertErrno(() -> s.pin(0, 1, DmaProt.RW), Errno.EINVAL);
        assertThat(s.held()).isEmpty();
    }
}
