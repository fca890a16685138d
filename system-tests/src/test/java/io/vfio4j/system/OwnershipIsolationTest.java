package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static io.vfio4j.system.Sys.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.spapr.SpaprTceProvider;
import io.vfio4j.type1.Type1Provider;
import org.junit.jupiter.api.Test;

/**
 * Ownership and isolation across processes: who may use a container, whose {@code locked_vm} pays,
 * who may drop a pin, which groups may be used at all. (Plugins cannot replace API classes: {@code
 * io.vfio4j.core.plugin.PluginDirectorySourceTest
 * #aPluginJarCarryingApiClassesIsRefusedNamingTheJar} in vfio-core.)
 */
class OwnershipIsolationTest {
    static final long RAM = 0x10_0000_0000L;

    private static SimProcess vmm(SimHost host, long limit) {
        SimProcess p = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(limit).build());
        p.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
        return p;
    }

    @Test
    void aSpaprContainerRefusesEveryAddressSpaceButItsOwner() {
        SimHost host = Sys.power(2);
        Vfio vfio = Sys.vfio(host);
        SimProcess owner = vmm(host, 1L << 30);
        SimProcess other = vmm(host, 1L << 30);
        VfioContainer c = vfio.openContainer();
        vfio.group(1).setContainer(owner, c);
        c.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
        c.ioctl(owner, SpaprRegisterMemory.of(RAM, 16 * MiB)); // caches the owner's mm
        long start = c.ioctl(owner, SpaprTceCreate.of(16, 1L << 30, 1));
        c.ioctl(owner, MapDma.rw(RAM, start, MiB));
        SystemSnapshot before = SystemSnapshot.of(vfio);

        assertErrno(() -> c.ioctl(other, MapDma.rw(RAM, start + MiB, MiB)), Errno.EPERM);
        assertErrno(() -> c.ioctl(other, UnmapDma.of(start, MiB)), Errno.EPERM);
        assertErrno(() -> c.ioctl(other, SpaprRegisterMemory.of(RAM + 16 * MiB, MiB)), Errno.EPERM);
        assertErrno(() -> c.ioctl(other, SpaprUnregisterMemory.of(RAM, 16 * MiB)), Errno.EPERM);
        assertErrno(() -> c.ioctl(other, SpaprTceCreate.of(12, 1L << 28, 1)), Errno.EPERM);
        assertErrno(() -> c.ioctl(other, SpaprTceRemove.of(start)), Errno.EPERM);
        assertErrno(() -> c.ioctl(other, SpaprTceGetInfo.full()), Errno.EPERM);
        // CHECK_EXTENSION is answered to anyone; group attach is not gated either.
        assertThat(c.checkExtension(other, IommuType.SPAPR_TCE_v2.id())).isEqualTo(1);
        assertThat(SystemSnapshot.of(vfio)).isEqualTo(before);
        vfio.group(2).setContainer(other, c);
        assertThat(c.groups()).hasSize(2);
        // The charge stayed with the owner: 256 pages of registered memory plus the tables.
        assertThat(other.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(owner.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(256 + 128 + 4);
        // The owner's exit does not hand the container over: everyone is foreign now.
        owner.exit();
        assertErrno(() -> c.ioctl(other, MapDma.rw(RAM, start, MiB)), Errno.EPERM);
        assertErrno(() -> c.ioctl(owner, MapDma.rw(RAM, start, MiB)), Errno.EPERM);
    }

    @Test
    void type1ChargesTheMappingOwnerWhoeverUnmapsAndSkipsADeadOwner() {
        SimHost host = Sys.x86(1);
        Vfio vfio = Sys.vfio(host);
        SimProcess a = vmm(host, 256 * MiB);
        SimProcess b = vmm(host, 256 * MiB);
        SimAddressSpace mmA = a.simAddressSpace().orElseThrow();
        SimAddressSpace mmB = b.simAddressSpace().orElseThrow();
        VfioContainer c = vfio.openContainer();
        vfio.group(1).setContainer(a, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        c.ioctl(a, MapDma.rw(RAM, 0, 4 * MiB));
        c.ioctl(b, MapDma.rw(RAM, 0x1000_0000L, 8 * MiB)); // B's memory, B pays
        assertThat(mmA.lockedVm()).isEqualTo(1024);
        assertThat(mmB.lockedVm()).isEqualTo(2048);
        c.ioctl(a, UnmapDma.of(0x1000_0000L, 8 * MiB)); // A unmaps B's mapping: B is credited
        assertThat(mmA.lockedVm()).isEqualTo(1024);
        assertThat(mmB.lockedVm()).isZero();
        c.ioctl(b, MapDma.rw(RAM, 0x1000_0000L, 8 * MiB));
        b.exit();
        c.ioctl(a, UnmapDma.all()); // B's mm is dead: its un-charge is skipped, A's is not
        assertThat(mmA.lockedVm()).isZero();
        assertThat(mmB.lockedVm()).as("frozen on the dead mm").isEqualTo(2048);
        assertThat(mmB.underflows()).isZero();
        assertThat(host.memory().totalPins()).isZero();
        assertThat(vfio.invariants().check()).isEmpty();
    }

    @Test
    void type1VaddrUpdateAfterExecMovesTheChargeToTheNewAddressSpace() {
        SimHost host = Sys.x86(1);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu = vmm(host, 256 * MiB);
        SimAddressSpace old = qemu.simAddressSpace().orElseThrow();
        VfioContainer c = vfio.openContainer();
        vfio.group(1).setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        c.ioctl(qemu, MapDma.rw(RAM, 0, 16 * MiB));
        assertThat(c.ioctl(qemu, UnmapDma.of(0, 16 * MiB, UnmapDma.VADDR)).unmappedBytes())
                .isEqualTo(16 * MiB);
        SimAddressSpace fresh = qemu.exec();
        assertThat(fresh.lockedVm()).isZero();
        qemu.mmap(RegionSpec.anonymous(RAM + GiB(), 64 * MiB));
        c.ioctl(qemu, MapDma.of(RAM + GiB(), 0, 16 * MiB, MapDma.VADDR));
        assertThat(fresh.lockedVm()).isEqualTo(4096);
        assertThat(old.lockedVm()).as("the old mm is dead: nothing taken from it").isEqualTo(4096);
        c.ioctl(qemu, UnmapDma.of(0, 16 * MiB));
        assertThat(fresh.lockedVm()).isZero();
        assertThat(fresh.underflows()).isZero();
    }

    @Test
    void type1VaddrUpdateByAnotherLiveProcessMovesTheCharge() {
        SimHost host = Sys.x86(1);
        Vfio vfio = Sys.vfio(host);
        SimProcess a = vmm(host, 256 * MiB);
        SimProcess b = vmm(host, 256 * MiB);
        VfioContainer c = vfio.openContainer();
        vfio.group(1).setContainer(a, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        c.ioctl(a, MapDma.rw(RAM, 0, 4 * MiB));
        c.ioctl(a, UnmapDma.of(0, 4 * MiB, UnmapDma.VADDR));
        c.ioctl(b, MapDma.of(RAM, 0, 4 * MiB, MapDma.VADDR));
        assertThat(a.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(b.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(1024);
        assertThat(vfio.invariants().check()).isEmpty();
    }

    private static long GiB() {
        return 1L << 30;
    }

    @Test
    void inStrictModeADeviceMayNotDropPinsItDoesNotHold() {
        SimHost host = Sys.x86(1);
        Vfio vfio = Sys.vfio(host, "vfio4j.backend.type1.strict-unpin", "true");
        SimProcess qemu = vmm(host, 256 * MiB);
        VfioContainer c = vfio.openContainer();
        TestVendor v1 = new TestVendor(4096);
        TestVendor v2 = new TestVendor(4096);
        VfioGroup g1 = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-1", v1);
        VfioGroup g2 = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-2", v2);
        g1.setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g2.setContainer(qemu, c);
        g1.openDevice("vgpu-1");
        g2.openDevice("vgpu-2");
        c.ioctl(qemu, MapDma.rw(RAM, 0, 4 * MiB));
        v1.pin(0x3000, 2, DmaProt.RW);
        SystemSnapshot before = SystemSnapshot.of(vfio);
        assertErrno(() -> v2.device().unpinPages(0x3000, 1), Errno.EINVAL);
        assertErrno(() -> v1.device().unpinPages(0x5000, 1), Errno.EINVAL); // never pinned
        assertThat(SystemSnapshot.of(vfio)).isEqualTo(before);
        v2.pin(0x3000, 1, DmaProt.RW); // now both hold it: each drops only its own reference
        v2.device().unpinPages(0x3000, 1);
        assertErrno(() -> v2.device().unpinPages(0x3000, 1), Errno.EINVAL);
        assertThat(qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(2);
        v1.unpinAll();
        assertThat(qemu.simAddressSpace().orElseThrow().lockedVm()).isZero();
    }

    @Test
    void withoutStrictModeAnUnpinOfAPageNobodyPinnedChangesNothing() {
        SimHost host = Sys.x86(1);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu = vmm(host, 256 * MiB);
        VfioContainer c = vfio.openContainer();
        TestVendor v = new TestVendor(4096);
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-1", v);
        g.setContainer(qemu, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu-1");
        c.ioctl(qemu, MapDma.rw(RAM, 0, 4 * MiB));
        v.pin(0x3000, 2, DmaProt.RW);
        SystemSnapshot before = SystemSnapshot.of(vfio);
        v.device().unpinPages(0x8000, 4); // the kernel's rule: silently ignored
        assertThat(SystemSnapshot.of(vfio)).isEqualTo(before);
    }

    @Test
    void aGroupWithADeviceBoundToAHostDriverIsNotViable() {
        SimHost host = Sys.x86(1);
        Vfio vfio = Sys.vfio(host);
        SimProcess qemu = vmm(host, 256 * MiB);
        VfioContainer c = vfio.openContainer();
        VfioGroup g = vfio.group(1);
        g.bindHostDriver("0000:01:00.0", "e1000e");
        assertThat(g.isViable()).isFalse();
        assertErrno(() -> g.setContainer(qemu, c), Errno.EPERM);
        assertThat(c.groups()).isEmpty();
        g.unbindHostDriver("0000:01:00.0");
        g.setContainer(qemu, c);
        assertThat(c.groups()).containsExactly(g);
    }
}
