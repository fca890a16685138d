package io.vfio4j.system;

import static io.vfio4j.system.FailureSweepTest.RAM;
import static io.vfio4j.system.FailureSweepTest.sweep;
import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimMemfd;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Fail-nth sweeps on a native {@code /dev/iommu} context, as {@link IommufdFailureSweepTest} does
 * for the compat container: every pin, IOMMU map and allocation of an IOAS_MAP_FILE with a domain,
 * of a dirty-tracking HWPT_ALLOC that fills a lazy IOAS, of an IOAS_COPY into an IOAS with its own
 * domain and of an emulated device's access pin is made to fail in turn; each refused call leaves
 * no trace in the snapshot (locked_vm, pinned_vm, the user's locked_vm, the context's objects and
 * pinned pages) but the dirty marks of unwound writable pins (docs/deviations.md IOMMUFD-11), and
 * the invariant checker agrees.
 */
class IommufdNativeFailureSweepTest {
    private static final class World {
        final SimHost host = Sys.x86(0);
        final Vfio vfio;
        final SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(256 * MiB).build());
        final MdevBus bus;
        final MdevDevice mdev;
        final IommuContext ctx;
        final int ioas;

        World() {
            host.addIommuGroup(IommuGroupSpec.builder().id(1).dirtyTracking(true).build());
            host.addIommuGroup(IommuGroupSpec.of(2));
            vfio = Sys.vfio(host);
            bus = new MdevBus(vfio);
            qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
            var type =
                    bus.registerParent(
                                    "0000:7f:00.0",
                                    new ScriptedVendor("sweep", host.pageSize()),
                                    List.of(new MdevTypeSpec("vgpu", "scripted", 1)))
                            .requireType("sweep-vgpu");
            mdev = bus.create(type, UUID.fromString("5d2a1c0e-7b3f-4e9a-8c61-0f1e2d3c4b5b"));
            ctx = vfio.openIommuContext();
            ioas = ctx.ioasAlloc();
        }

        int device(int group) {
            return ctx.bind(host.iommuGroup(group).orElseThrow().devices().get(0));
        }

        SystemSnapshot snap() {
            return SystemSnapshot.of(vfio, bus);
        }

        SimAddressSpace mm() {
            return qemu.simAddressSpace().orElseThrow();
        }
    }

    @Test
    void mapFileWithADomain() {
        World w = new World();
        w.ctx.attach(w.device(2), w.ioas);
        SimMemfd f = w.host.memfdCreate(2 * MiB, false);
        int points =
                sweep(
                        w.vfio,
                        w::snap,
                        () ->
                                w.ctx.ioasMapFile(
                                        w.qemu, IoasMapFile.fixed(w.ioas, f, 0, 0, 2 * MiB)),
                        true,
                        Errno.ENOMEM);
        // 512 pages in runs of 16: a pin and an IOMMU map per run, plus the area.
        assertThat(points).isGreaterThanOrEqualTo(64);
        assertThat(w.qemu.user().lockedVm()).isEqualTo(512);
        assertThat(w.mm().pinnedVm()).isEqualTo(512);
    }

    @Test
    void dirtyTrackingHwptAllocThatFillsALazyIoas() {
        World w = new World();
        w.ctx.ioasMap(w.qemu, IoasMap.fixed(w.ioas, RAM, 0, MiB));
        w.ctx.ioasMap(w.qemu, IoasMap.fixed(w.ioas, RAM + 2 * MiB, 2 * MiB, MiB));
        assertThat(w.mm().pinnedVm()).as("lazy").isZero();
        int d1 = w.device(1);
        int points =
                sweep(
                        w.vfio,
                        w::snap,
                        () -> w.ctx.hwptAlloc(d1, w.ioas, NativeIommuOps.HWPT_DIRTY_TRACKING),
                        true,
                        Errno.ENOMEM);
        assertThat(points).isGreaterThanOrEqualTo(32);
        assertThat(w.qemu.user().lockedVm()).isEqualTo(512);
        assertThat(w.mm().pinnedVm()).isEqualTo(512);
    }

    @Test
    void copyIntoAnIoasWithItsOwnDomain() {
        World w = new World();
        w.ctx.attach(w.device(1), w.ioas);
        w.ctx.ioasMap(w.qemu, IoasMap.fixed(w.ioas, RAM, 0, 2 * MiB));
        int other = w.ctx.ioasAlloc();
        w.ctx.attach(w.device(2), other);
        int points =
                sweep(
                        w.vfio,
                        w::snap,
                        () ->
                                w.ctx.ioasCopy(
                                        w.qemu,
                                        new IoasCopy(
                                                other,
                                                w.ioas,
                                                IoasMap.FIXED_IOVA | IoasMap.RW,
                                                2 * MiB,
                                                0,
                                                0)),
                        true,
                        Errno.ENOMEM);
        // The copy holds pinned pages again and maps the second domain: no pin, no charge.
        assertThat(points).isGreaterThanOrEqualTo(1);
        assertThat(w.qemu.user().lockedVm()).isEqualTo(512);
        assertThat(w.mm().pinnedVm()).isEqualTo(512);
    }

    @Test
    void accessPinOfAnEmulatedDeviceWithoutADomain() {
        World w = new World();
        w.ctx.ioasMap(w.qemu, IoasMap.fixed(w.ioas, RAM, 0, MiB));
        w.ctx.ioasMap(w.qemu, IoasMap.fixed(w.ioas, RAM + MiB, MiB, MiB));
        var device = w.mdev.group().device(w.mdev.group().devices().get(0).name());
        w.ctx.attach(w.ctx.bindEmulated(device), w.ioas);
        ScriptedDevice vendor = ScriptedVendor.of(w.mdev);
        // 64 pages across the two adjacent mappings: two records, each pinned run by run.
        int points =
                sweep(
                        w.vfio,
                        w::snap,
                        () -> vendor.pin(MiB - 32 * 4096, 64, DmaProt.RW),
                        true,
                        Errno.ENOMEM);
        assertThat(points).isGreaterThanOrEqualTo(4);
        assertThat(w.qemu.user().lockedVm()).isEqualTo(64);
        assertThat(vendor.held()).hasSize(64);
    }
}
