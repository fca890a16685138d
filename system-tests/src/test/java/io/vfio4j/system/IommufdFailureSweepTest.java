package io.vfio4j.system;

import static io.vfio4j.system.FailureSweepTest.RAM;
import static io.vfio4j.system.FailureSweepTest.sweep;
import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.iommufd.IommufdProvider;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Fail-nth sweeps on iommufd's compat container: every pin, IOMMU map and allocation of a MAP with
 * a domain, of a device attach that fills a lazy IOAS, and of an access pin is made to fail in
 * turn; each refused call must leave no trace (the snapshot covers locked_vm, pinned_vm and the
 * user's locked_vm) but the dirty marks of the writable pages it pinned and unwound, which the
 * kernel's unpin leaves as well (docs/deviations.md IOMMUFD-11), and the invariant checker must
 * agree.
 */
class IommufdFailureSweepTest {
    private static final class World {
        final SimHost host = Sys.x86(2);
        final Vfio vfio = Sys.vfio(host);
        final SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(256 * MiB).build());
        final VfioContainer c = vfio.openContainer();
        final MdevBus bus = new MdevBus(vfio);
        final MdevDevice mdev;

        World() {
            qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
            var type =
                    bus.registerParent(
                                    "0000:7f:00.0",
                                    new ScriptedVendor("sweep", host.pageSize()),
                                    List.of(new MdevTypeSpec("vgpu", "scripted", 1)))
                            .requireType("sweep-vgpu");
            mdev = bus.create(type, UUID.fromString("5d2a1c0e-7b3f-4e9a-8c61-0f1e2d3c4b5a"));
        }

        SystemSnapshot snap() {
            return SystemSnapshot.of(vfio, bus);
        }

        SimAddressSpace mm() {
            return qemu.simAddressSpace().orElseThrow();
        }
    }

    @Test
    void mapWithADomain() {
        World w = new World();
        w.vfio.group(1).setContainer(w.qemu, w.c);
        w.c.setIommu(IommufdProvider.NAME, IommuType.TYPE1v2);
        int points =
                sweep(
                        w.vfio,
                        w::snap,
                        () -> w.c.ioctl(w.qemu, MapDma.rw(RAM, 0, 2 * MiB)),
                        true,
                        Errno.ENOMEM);
        // 512 pages in runs of 16: a pin and an IOMMU map per run, plus the area.
        assertThat(points).isGreaterThanOrEqualTo(64);
        assertThat(w.mm().lockedVm()).isEqualTo(512);
        assertThat(w.mm().pinnedVm()).isEqualTo(512);
    }

    @Test
    void attachThatFillsALazyAddressSpace() {
        World w = new World();
        w.mdev.group().setContainer(w.qemu, w.c);
        w.c.setIommu(IommufdProvider.NAME, IommuType.TYPE1v2);
        w.c.ioctl(w.qemu, MapDma.rw(RAM, 0, MiB));
        w.c.ioctl(w.qemu, MapDma.rw(RAM + 2 * MiB, 2 * MiB, MiB));
        assertThat(w.mm().pinnedVm()).as("lazy").isZero();
        var group = w.vfio.group(1);
        int points =
                sweep(w.vfio, w::snap, () -> group.setContainer(w.qemu, w.c), true, Errno.ENOMEM);
        assertThat(points).isGreaterThanOrEqualTo(32);
        assertThat(w.mm().lockedVm()).isEqualTo(512);
        assertThat(w.mm().pinnedVm()).isEqualTo(512);
    }

    @Test
    void accessPinWithoutADomain() {
        World w = new World();
        w.mdev.group().setContainer(w.qemu, w.c);
        w.c.setIommu(IommufdProvider.NAME, IommuType.TYPE1v2);
        w.c.ioctl(w.qemu, MapDma.rw(RAM, 0, MiB));
        w.c.ioctl(w.qemu, MapDma.rw(RAM + MiB, MiB, MiB));
        w.mdev.group().openDevice(w.mdev.group().devices().get(0).name());
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
        assertThat(w.mm().lockedVm()).isEqualTo(64);
        assertThat(vendor.held()).hasSize(64);
    }
}
