package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * mdev-core's ScriptedVendor, unchanged, on a native {@code /dev/iommu} context: the mdev's cdev is
 * bound to the context (its access), attached to an IOAS, and the vendor pins, unpins and reads
 * through the same {@link VfioDevice} calls it uses on a container (docs/reference/iommufd.md §6:
 * no 512-page bound, exact-range unpin, notification on unmap, EDEADLK after 101 notifications),
 * with the invariant checker after every operation.
 */
class MdevOnNativeContextTest {
    private static final long RAM = 0x7f00_0000_0000L;
    private static final long MiB = Sys.MiB;
    private static final long IOVA = MiB;

    private record Setup(
            SimHost host, SimProcess qemu, Vfio vfio, MdevDevice mdev, VfioDevice device) {}

    private static Setup setup(VendorBehaviour behaviour) {
        SimHost host = Sys.x86(0);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
        Vfio vfio = Sys.vfio(host);
        MdevBus bus = new MdevBus(vfio);
        var type =
                bus.registerParent(
                                "0000:7f:00.0",
                                new ScriptedVendor(
                                        "vendor", host.pageSize(), Map.of("vgpu", behaviour)),
                                List.of(new MdevTypeSpec("vgpu", "scripted", 4)))
                        .requireType("vendor-vgpu");
        MdevDevice mdev = bus.create(type, UUID.fromString("0b5e7c1c-2d3a-4f00-9000-000000000002"));
        VfioDevice device = mdev.group().device(mdev.group().devices().get(0).name());
        return new Setup(host, qemu, vfio, mdev, device);
    }

    @Test
    void theScriptedVendorPinsThroughANativeAccess() {
        Setup s = setup(VendorBehaviour.WELL_BEHAVED);
        SimAddressSpace mm = s.qemu().simAddressSpace().orElseThrow();
        try (Vfio vfio = s.vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            int ioas = ctx.ioasAlloc();
            ctx.ioasMap(s.qemu(), IoasMap.fixed(ioas, RAM, IOVA, 16 * MiB));
            int id = ctx.bindEmulated(s.device());
            ScriptedDevice vendor = ScriptedVendor.of(s.mdev());
            // X3 step 2: not attached yet.
            Sys.assertErrno(() -> vendor.pin(IOVA, 1, DmaProt.RW), Errno.ENOENT);
            assertThat(ctx.attach(id, ioas)).isEqualTo(ioas);
            // No domain: every pinned page is charged (A5), here 513 pages in one call (X2).
            assertThat(vendor.pin(IOVA, 513, DmaProt.RW)).isEqualTo(513);
            assertThat(s.qemu().user().lockedVm()).isEqualTo(513);
            assertThat(mm.pinnedVm()).isEqualTo(513);
            // An unmapped IOVA is ENOENT (type1: EINVAL).
            Sys.assertErrno(() -> vendor.pin(IOVA + 16 * MiB, 1, DmaProt.RW), Errno.ENOENT);
            // The unmap tells the vendor once about the whole area; it unpins; all un-charged.
            assertThat(ctx.ioasUnmap(ioas, 0, -1L)).isEqualTo(16 * MiB);
            assertThat(vendor.notifications())
                    .containsExactly(new ScriptedDevice.Notification(IOVA, 16 * MiB));
            assertThat(vendor.held()).isEmpty();
            assertThat(s.qemu().user().lockedVm()).isZero();
            assertThat(mm.pinnedVm()).isZero();
            // The device's close unbinds its access (X10): the IOAS can go.
            ctx.ioasMap(s.qemu(), IoasMap.fixed(ioas, RAM, IOVA, 4 * MiB));
            vendor.pin(IOVA, 16, DmaProt.RW);
            s.device().close();
            assertThat(vendor.held()).isEmpty();
            assertThat(s.qemu().user().lockedVm()).isZero();
            ctx.ioasUnmap(ioas, 0, -1L);
            ctx.destroy(ioas);
            assertThat(s.host().memory().totalPins()).isZero();
            assertThat(vfio.invariants().check()).isEmpty();
            assertThat(vfio.warnings()).isEmpty();
        }
    }

    @Test
    void aVendorThatNeverUnpinsGetsEdeadlkAfter101Notifications() {
        Setup s = setup(VendorBehaviour.IGNORES_UNMAP);
        try (Vfio vfio = s.vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            int ioas = ctx.ioasAlloc();
            ctx.ioasMap(s.qemu(), IoasMap.fixed(ioas, RAM, 2 * MiB, 2 * MiB));
            ctx.attach(ctx.bindEmulated(s.device()), ioas);
            ScriptedDevice vendor = ScriptedVendor.of(s.mdev());
            vendor.pin(2 * MiB, 1, DmaProt.RW);
            Sys.assertErrno(() -> ctx.ioasUnmap(ioas, 2 * MiB, 2 * MiB), Errno.EDEADLK);
            // X8: 101 notifications, the mapping stays, new pins in it are EINVAL.
            assertThat(vendor.notifications()).hasSize(101);
            assertThat(ctx.state().mappings()).isEqualTo(1);
            Sys.assertErrno(() -> vendor.pin(2 * MiB, 1, DmaProt.RW), Errno.EINVAL);
            assertThat(vfio.invariants().check()).isEmpty();
        }
    }

    @Test
    void aDeviceOpenThroughItsGroupCannotBeBoundAndAHwptIdIsEnoent() {
        Setup s = setup(VendorBehaviour.WELL_BEHAVED);
        try (Vfio vfio = s.vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            int ioas = ctx.ioasAlloc();
            int id = ctx.bindEmulated(s.device());
            Sys.assertErrno(() -> ctx.bindEmulated(s.device()), Errno.EBUSY);
            // X1: an access attaches to an IOAS id only.
            Sys.assertErrno(() -> ctx.attach(id, 99), Errno.ENOENT);
            Sys.assertErrno(() -> ctx.destroy(ioas + 1), Errno.EBUSY);
            ctx.attach(id, ioas);
            // D10: an IOAS with an access attached cannot be destroyed.
            Sys.assertErrno(() -> ctx.destroy(ioas), Errno.EBUSY);
        }
    }
}
