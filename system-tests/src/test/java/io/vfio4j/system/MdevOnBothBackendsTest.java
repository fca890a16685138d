package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
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
import io.vfio4j.type1.Type1Provider;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mdev-core's ScriptedVendor, unchanged, on a TYPE1v2 container served by type1 and by iommufd's
 * compat container (selected with {@code vfio4j.backend.default}), next to a passthrough group: the
 * same pins, notifications and counters, the invariant checker after every operation (it covers
 * locked_vm, pinned_vm and the user's locked_vm), nothing held at the end. Where the two differ by
 * design it says so: pinned_vm (iommufd charges it too) and a 513-page pin.
 */
class MdevOnBothBackendsTest {
    private static final long RAM = 0x7f00_0000_0000L;
    private static final long MiB = Sys.MiB;
    private static final long IOVA = MiB;

    @ParameterizedTest
    @ValueSource(strings = {"type1", "iommufd"})
    void theScriptedVendorRunsUnchanged(String backend) {
        SimHost host = Sys.x86(1);
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
        SimAddressSpace mm = qemu.simAddressSpace().orElseThrow();
        boolean iommufd = backend.equals("iommufd");
        try (Vfio vfio = Sys.vfio(host, VfioConfiguration.DEFAULT_BACKEND, backend)) {
            MdevBus bus = new MdevBus(vfio);
            var type =
                    bus.registerParent(
                                    "0000:7f:00.0",
                                    new ScriptedVendor("vendor", host.pageSize()),
                                    List.of(new MdevTypeSpec("vgpu", "scripted", 4)))
                            .requireType("vendor-vgpu");
            MdevDevice mdev =
                    bus.create(type, UUID.fromString("0b5e7c1c-2d3a-4f00-9000-000000000001"));
            VfioContainer c = vfio.openContainer();
            vfio.group(1).setContainer(qemu, c);
            mdev.group().setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains(backend);
            assertThat(c.backend().orElseThrow().provider())
                    .isInstanceOf(iommufd ? IommufdProvider.class : Type1Provider.class);

            c.ioctl(qemu, MapDma.rw(RAM, IOVA, 16 * MiB));
            assertThat(mm.lockedVm()).isEqualTo(4096);
            assertThat(mm.pinnedVm()).isEqualTo(iommufd ? 4096 : 0);

            ScriptedDevice vendor = ScriptedVendor.of(mdev);
            mdev.group().openDevice(mdev.group().devices().get(0).name());
            assertThat(vendor.pin(IOVA, 512, DmaProt.RW)).isEqualTo(512);
            assertThat(vendor.pin(IOVA + 512 * 4096, 512, DmaProt.RW)).isEqualTo(512);
            assertThat(vendor.pin(IOVA + 4096, 1, DmaProt.RW)).isEqualTo(1);
            assertThat(vendor.held()).hasSize(1024);
            assertThat(c.state().orElseThrow().pinReferences()).isEqualTo(1025);
            assertThat(mm.lockedVm()).as("a domain exists: no extra charge").isEqualTo(4096);
            Errno big = iommufd ? null : Errno.E2BIG;
            if (big != null) {
                Sys.assertErrno(() -> vendor.pin(IOVA, 513, DmaProt.RW), big);
            } else {
                assertThat(vendor.pin(IOVA, 513, DmaProt.RW)).isEqualTo(513);
            }

            UnmapDma.Result r = c.ioctl(qemu, UnmapDma.of(IOVA, 16 * MiB));
            assertThat(r.unmappedBytes()).isEqualTo(16 * MiB);
            assertThat(vendor.notifications())
                    .containsExactly(new ScriptedDevice.Notification(IOVA, 16 * MiB));
            assertThat(vendor.held()).isEmpty();
            assertThat(mm.lockedVm()).isZero();
            assertThat(mm.pinnedVm()).isZero();

            c.ioctl(qemu, MapDma.rw(RAM, IOVA, 4 * MiB));
            vendor.pin(IOVA, 16, DmaProt.RW);
            mdev.group().device(mdev.group().devices().get(0).name()).close();
            assertThat(vendor.held()).isEmpty();
            vfio.group(1).unsetContainer();
            mdev.group().unsetContainer();
            assertThat(mm.lockedVm()).isZero();
            assertThat(mm.pinnedVm()).isZero();
            assertThat(host.user(ProcessSpec.DEFAULT_UID).lockedVm()).isZero();
            assertThat(host.memory().totalPins()).isZero();
            assertThat(vfio.invariants().check()).isEmpty();
            assertThat(vfio.warnings()).isEmpty();
        }
    }
}
