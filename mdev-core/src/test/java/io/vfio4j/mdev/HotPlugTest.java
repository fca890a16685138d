package io.vfio4j.mdev;

import static io.vfio4j.mdev.Errnos.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Hot plug and unplug of mediated and passthrough devices into a running VM. */
class HotPlugTest {
    private static final long P = 4096;
    private static final UUID U = UUID.fromString("a1b2c3d4-0000-4000-8000-000000000001");

    private final MdevTestBed bed = new MdevTestBed();
    private final HotPlug hotPlug = new HotPlug(bed.bus);

    @Test
    void plugCreatesAttachesAndOpensAndTheVendorMayPinInOpen() {
        bed.startWithPassthrough();
        bed.vendor.pinIova = 16 * P;
        bed.vendor.pinPages = 8;

        MdevDevice d = hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container);

        assertThat(d.isOpen()).isTrue();
        assertThat(d.group().container()).containsSame(bed.container);
        assertThat(bed.small.availableInstances()).isEqualTo(3);
        // Registered before the vendor's open ran, so its pins were allowed.
        assertThat(bed.backend.calls)
                .containsSubsequence("attach EMULATED", "register " + U, "pin " + U + " 8");
        assertThat(bed.ops().pinnedPages()).isEqualTo(8);
    }

    @Test
    void unplugClosesTheVendorUnpinsThenTheGroupLeavesAndTheDeviceGoes() {
        bed.startWithPassthrough();
        bed.vendor.pinPages = 8;
        MdevDevice d = hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container);

        hotPlug.unplugMdev(d);

        assertThat(bed.backend.calls)
                .containsSubsequence("unpin " + U + " 1", "unregister " + U, "detach EMULATED");
        assertThat(bed.ops().pinnedPages()).isZero();
        assertThat(bed.vfio.vendorLeaks()).isEmpty();
        assertThat(d.isRemoved()).isTrue();
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.container.groups())
                .extracting(VfioGroup::kind)
                .containsExactly(GroupKind.IOMMU);
        assertErrno(() -> hotPlug.unplugMdev(d), Errno.ENODEV);
    }

    @Test
    void aVendorThatLeaksPinsIsCaughtAtDetachAndNamed() {
        bed.startWithPassthrough();
        bed.vendor.pinIova = 32 * P;
        bed.vendor.pinPages = 20;
        bed.vendor.leakPages = 5;
        MdevDevice d = hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container);

        hotPlug.unplugMdev(d);

        List<VendorLeak> leaks = bed.vfio.vendorLeaks();
        assertThat(leaks).hasSize(1);
        assertThat(leaks.get(0).device()).isEqualTo(d.name());
        assertThat(leaks.get(0).iovas()).containsExactly(47 * P, 48 * P, 49 * P, 50 * P, 51 * P);
        assertThat(leaks.get(0).references()).isEqualTo(5);
        assertThat(bed.ops().pinnedPages()).isZero();
        assertThat(d.isRemoved()).isTrue();
    }

    @Test
    void anUnmapOfPinnedGuestMemoryIsToldToTheVendorWhichReleasesItsPins() {
        bed.startWithPassthrough();
        bed.vendor.pinPages = 8;
        MdevDevice d = hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container);

        bed.container.ioctl(bed.qemu, UnmapDma.of(0, MdevTestBed.RAM));

        assertThat(bed.vendor.calls).contains("dmaUnmap " + U);
        assertThat(bed.ops().pinnedPages()).isZero();
        assertThat(((TestVendor.Device) d.ops()).pinned.pageCount()).isZero();
    }

    @Test
    void aPlugIntoAContainerWithoutBackendIsRefusedWithoutTrace() {
        int groups = bed.vfio.groups().size();
        assertErrno(() -> hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container), Errno.EINVAL);
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.bus.devices()).isEmpty();
        assertThat(bed.vfio.groups()).hasSize(groups);
        assertThat(bed.vendor.calls).isEmpty();
    }

    @Test
    void aPlugWhoseOpenFailsIsUndone() {
        bed.startWithPassthrough();
        bed.vendor.refuseOpen = true;
        int groups = bed.vfio.groups().size();

        assertErrno(() -> hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container), Errno.ENXIO);

        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.bus.devices()).isEmpty();
        assertThat(bed.vfio.groups()).hasSize(groups);
        assertThat(bed.container.groups()).hasSize(1);
        assertThat(bed.ops().registered()).isEmpty();
        assertThat(bed.vendor.calls).containsExactly("create " + U, "open " + U, "remove " + U);
    }

    @Test
    void aPlugWhoseAttachIsRefusedIsUndone() {
        bed.startWithPassthrough();
        // Emulated groups get the next number after the host's groups.
        bed.backend.refuseAttachOfGroup = 8;
        assertErrno(() -> hotPlug.plugMdev(bed.small, U, bed.qemu, bed.container), Errno.EPERM);
        assertThat(bed.small.availableInstances()).isEqualTo(4);
        assertThat(bed.bus.devices()).isEmpty();
        assertThat(bed.container.groups()).hasSize(1);
    }

    @Test
    void passthroughPlugAttachesAndOpensAndUnplugClosesAndDetaches() {
        bed.vendor.pins = false;
        MdevDevice vgpu = bed.bus.create(bed.small, U);
        vgpu.group().setContainer(bed.qemu, bed.container);
        bed.container.setIommu(io.vfio4j.api.IommuType.TYPE1v2);
        vgpu.group().openDevice(vgpu.name());
        VfioGroup gpuGroup = bed.vfio.group(7);

        VfioDevice gpu =
                hotPlug.plugPassthrough(gpuGroup, MdevTestBed.GPU, bed.qemu, bed.container);
        assertThat(gpu.isOpen()).isTrue();
        assertThat(gpuGroup.container()).containsSame(bed.container);
        assertThat(bed.backend.calls).containsExactly("attach EMULATED", "attach IOMMU");

        hotPlug.unplugPassthrough(gpu);
        assertThat(gpu.isOpen()).isFalse();
        assertThat(gpuGroup.container()).isEmpty();
        assertThat(bed.backend.calls).endsWith("detach IOMMU");
        assertThat(vgpu.isOpen()).isTrue();
    }

    @Test
    void aRefusedPassthroughPlugLeavesTheGroupOutside() {
        bed.vendor.pins = false;
        MdevDevice vgpu = bed.bus.create(bed.small, U);
        vgpu.group().setContainer(bed.qemu, bed.container);
        bed.container.setIommu(io.vfio4j.api.IommuType.TYPE1v2);
        bed.backend.refuseAttachOfGroup = 7;
        VfioGroup gpuGroup = bed.vfio.group(7);

        assertErrno(
                () -> hotPlug.plugPassthrough(gpuGroup, MdevTestBed.GPU, bed.qemu, bed.container),
                Errno.EPERM);
        assertThat(gpuGroup.container()).isEmpty();
        assertErrno(
                () -> hotPlug.plugPassthrough(gpuGroup, "0000:99:00.0", bed.qemu, bed.container),
                Errno.EPERM);
        bed.backend.refuseAttachOfGroup = -1;
        assertErrno(
                () -> hotPlug.plugPassthrough(gpuGroup, "0000:99:00.0", bed.qemu, bed.container),
                Errno.ENODEV);
        assertThat(gpuGroup.container()).isEmpty();
        assertThat(bed.container.groups()).containsExactly(vgpu.group());
    }
}
