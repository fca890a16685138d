package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.GiB;
import static io.vfio4j.type1.Fixture.KiB;
import static io.vfio4j.type1.Fixture.LIMIT;
import static io.vfio4j.type1.Fixture.MiB;
import static io.vfio4j.type1.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The odd-numbered conformance cases of docs/reference/type1-mdev.md §7, one test each. */
class ConformanceCasesTest {

    @Test
    void case01_mapSizeZeroIsEinval() {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(MiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.exec(MapDma.rw(vaddr, 0, 0)));
        assertThat(f.lv()).isZero();
        assertThat(f.dmaAvail()).isEqualTo(LIMIT);
    }

    @Test
    void case03_mapMisalignedIovaIsEinval() {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(MiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.exec(MapDma.rw(vaddr, 0x800, 0x1000)));
    }

    @Test
    void case05_mapWithoutReadOrWriteIsEinval() {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(MiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.exec(MapDma.of(vaddr, 0, MiB, 0)));
    }

    @Test
    void case07_mapArgsz31IsEinval() {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(MiB);
        Expect.refusedWithoutTrace(
                f, Errno.EINVAL, () -> f.exec(new MapDma(31, Fixture.RW, vaddr, 0, MiB)));
    }

    @Test
    void case09_mapReadWithVaddrIsEinval() {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(MiB);
        Expect.refusedWithoutTrace(
                f,
                Errno.EINVAL,
                () -> f.exec(MapDma.of(vaddr, 0, MiB, MapDma.READ | MapDma.VADDR)));
    }

    @Test
    void case11_adjacentMappingsAreNotMerged() {
        Fixture f = Fixture.pt();
        f.map(MiB, MiB);
        f.map(2 * MiB, MiB);
        assertThat(f.mappings()).isEqualTo(2);
        assertThat(f.lv()).isEqualTo(512);
        assertThat(f.dmaAvail()).isEqualTo(65_533);
        f.assertAuditClean();
    }

    @Test
    void case13_mapOverReservedMsiWindowIsEinval() {
        Fixture f = Fixture.pt();
        long vaddr = f.ram(4 * KiB);
        Expect.refusedWithoutTrace(
                f, Errno.EINVAL, () -> f.exec(MapDma.rw(vaddr, 0xFEE00000L, 4 * KiB)));
    }

    @Test
    void case15_mdevOnlyContainerAcceptsAnyIova() {
        Fixture f = Fixture.md();
        f.mdev();
        f.map(0xFEE00000L, 4 * KiB);
        assertThat(f.mappings()).isEqualTo(1);
        assertThat(f.lv()).isZero();
    }

    @Test
    void case17_capIpcLockAtMapBypassesTheLimitButCounts() {
        Fixture f = Fixture.builder().capIpcLock().build();
        f.attachIommuGroup(1);
        f.map(0, GiB + 4 * KiB);
        assertThat(f.lv()).isEqualTo(262_145);
        f.assertAuditClean();
    }

    @Test
    void case19_pfnmapBarIsMappedButNotCounted() {
        Fixture f = Fixture.pt();
        long bar = f.bar(16 * MiB);
        f.mapAt(bar, 0x1_0000_0000L, 16 * MiB);
        assertThat(f.mappings()).isEqualTo(1);
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
        f.assertAuditClean();
    }

    @Test
    void case21_writeMappingOverReadOnlyMemoryIsEfault() {
        Fixture f = Fixture.pt();
        long ro = f.readOnlyRam(2 * MiB);
        Expect.refusedWithoutTrace(f, Errno.EFAULT, () -> f.exec(MapDma.rw(ro, 0, 2 * MiB)));
        assertThat(f.dmaAvail()).isEqualTo(LIMIT);
    }

    @Test
    void case23_mapBeforeSetIommuIsEinval() {
        SimHost host = SimHost.builder().build();
        SimProcess p = host.spawnProcess(ProcessSpec.defaults());
        CoreContainerModel c = new CoreContainerModel(host, List.of(new Type1Provider()));
        c.addGroup(TestGroup.iommu(host.addIommuGroup(IommuGroupSpec.of(1))));
        Expect.errno(Errno.EINVAL, () -> c.ioctl(p, MapDma.rw(0, 0, P)));
    }

    @Test
    void case25_v2UnmapThatBisectsAMappingIsEinval() {
        Fixture f = Fixture.pt();
        f.map(2 * MiB, 2 * MiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.unmap(2 * MiB, MiB));
        assertThat(f.lv()).isEqualTo(512);
    }

    @Test
    void case27_unmapOfAnEmptyRangeSucceedsWithSizeZero() {
        Fixture f = Fixture.pt();
        assertThat(f.unmap(0, GiB).unmappedBytes()).isZero();
    }

    @Test
    void case29_v1UnmapInsideMappingStartRemovesWholeMapping() {
        Fixture f = Fixture.v1();
        f.map(2 * MiB, 2 * MiB);
        assertThat(f.lv()).isEqualTo(512);
        assertThat(f.unmap(2 * MiB, 4 * KiB).unmappedBytes()).isEqualTo(2 * MiB);
        assertThat(f.lv()).isZero();
        assertThat(f.mappings()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void case31_unmapAllRemovesEveryMapping() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        f.map(4 * MiB, 2 * MiB);
        f.map(GiB, 4 * MiB);
        UnmapDma.Result r = f.exec(UnmapDma.all());
        assertThat(r.unmappedBytes()).isEqualTo(7 * MiB);
        assertThat(f.lv()).isZero();
        assertThat(f.dmaAvail()).isEqualTo(LIMIT);
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void case33_unmapAllWithDirtyBitmapIsEinval() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        Expect.refusedWithoutTrace(
                f,
                Errno.EINVAL,
                () ->
                        f.exec(
                                new UnmapDma(
                                        UnmapDma.MIN_ARGSZ_WITH_BITMAP,
                                        UnmapDma.ALL | UnmapDma.GET_DIRTY_BITMAP,
                                        0,
                                        0,
                                        Optional.of(
                                                new io.vfio4j.api.command.DirtyBitmapRequest(
                                                        P, 8)))));
    }

    @Test
    void case35_unmapThatWrapsPast2pow64IsEinval() {
        Fixture f = Fixture.pt();
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.unmap(-8 * KiB, 16 * KiB));
    }

    @Test
    void case37_anotherProcessSharingTheFdMayUnmap() {
        Fixture f = Fixture.pt();
        f.map(0, 2 * MiB);
        assertThat(f.lv()).isEqualTo(512);
        SimProcess b = f.host.spawnProcess(ProcessSpec.builder().name("b").build());
        UnmapDma.Result r = f.exec(b, UnmapDma.of(0, 2 * MiB));
        assertThat(r.unmappedBytes()).isEqualTo(2 * MiB);
        assertThat(f.lv()).isZero();
        assertThat(b.simAddressSpace().orElseThrow().lockedVm()).isZero();
    }

    @Test
    void case39_dirtyPagesOnV1IsEacces() {
        Fixture f = Fixture.v1();
        Expect.refusedWithoutTrace(f, Errno.EACCES, () -> f.exec(DirtyPages.start()));
    }

    @Test
    void case41_firstPinChargesOnePage() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        long[] pfns = d.pin(4 * KiB, 1, DmaProt.READ | DmaProt.WRITE);
        assertThat(pfns[0]).isPositive();
        assertThat(f.lv()).isEqualTo(1);
        assertThat(f.ops.state().pinnedPages()).isEqualTo(1);
        assertThat(f.ops.state().pinReferences()).isEqualTo(1);
        assertThat(f.host.memory().pinCount(pfns[0])).isEqualTo(1);
        f.assertAuditClean();
    }

    @Test
    void case43_pinOf513PagesIsE2big() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        Expect.refusedWithoutTrace(
                f, Errno.E2BIG, () -> f.ops.pinPages(d, 0, 513, DmaProt.READ, new long[513]));
        assertThat(f.lv()).isZero();
    }

    @Test
    void case45_pinOutsideEveryMappingIsEinval() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> d.pin(2 * GiB, 1, DmaProt.READ));
        assertThat(f.lv()).isZero();
    }

    @Test
    void case47_pinForWriteOfAReadOnlyMappingIsEperm() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB, MapDma.READ);
        Expect.refusedWithoutTrace(f, Errno.EPERM, () -> d.pin(0, 1, DmaProt.WRITE));
    }

    @Test
    void case49_pinWithNoRegisteredDeviceIsEinval() {
        Fixture f = Fixture.md();
        TestGroup g = f.attachEmulatedGroup();
        VendorDevice unregistered =
                new VendorDevice("mdev-x", g, f.ops, P, VendorDevice.Behaviour.WELL_BEHAVED);
        f.map(0, MiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> unregistered.pin(0, 1, DmaProt.READ));
    }

    @Test
    void case51_capIpcLockAtMapLetsPinsPassTheLimit() {
        Fixture f = Fixture.builder().memlockPages(10).capIpcLock().build();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 10, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(10);
        d.pin(10 * P, 1, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(11);
    }

    @Test
    void case53_pinsAddNothingWhileAnIommuDomainExists() {
        Fixture f = Fixture.pt();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        assertThat(f.lv()).isEqualTo(262_144);
        d.pin(0, 512, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(262_144);
        f.assertAuditClean();
    }

    @Test
    void case55_unpinOfAnUnmappedFirstPageIsANoOp() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 1, DmaProt.READ);
        Snapshot before = f.snapshot();
        f.ops.unpinPages(d, 4 * GiB, 1);
        before.assertUnchanged(f);
    }

    @Test
    void case57_pinOfPfnmapMemoryIsEinval() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        long bar = f.bar(16 * MiB);
        f.mapAt(bar, 0, 16 * MiB);
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> d.pin(0, 1, DmaProt.READ));
    }

    @Test
    void case59_slowListenerIsToldOncePerRemainingPage() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev(VendorDevice.Behaviour.ONE_PAGE_PER_CALL);
        f.map(0, MiB);
        d.pin(0, 1, DmaProt.READ);
        d.pin(8 * P, 1, DmaProt.READ);
        d.pin(100 * P, 1, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(3);
        assertThat(f.unmap(0, MiB).unmappedBytes()).isEqualTo(MiB);
        assertThat(d.notifications).hasSize(3);
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void case61_everyRegisteredDeviceIsToldOfTheWholeMapping() {
        Fixture f = Fixture.md();
        VendorDevice x = f.mdev();
        VendorDevice y = f.mdev();
        f.map(0, MiB);
        x.pin(4 * P, 2, DmaProt.READ);
        assertThat(f.unmap(0, MiB).unmappedBytes()).isEqualTo(MiB);
        assertThat(x.notifications).hasSize(1);
        assertThat(y.notifications).hasSize(1);
        assertThat(y.notifications.get(0)).containsExactly(0, MiB);
        assertThat(f.lv()).isZero();
    }

    @Test
    void case63_pinsLeftWithNoListenerEndInKernelBug() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB);
        d.pin(0, 2, DmaProt.READ);
        f.ops.unregisterDevice(d);
        Snapshot before = f.snapshot();
        assertThatThrownBy(() -> f.unmap(0, MiB)).isInstanceOf(KernelBugError.class);
        before.assertUnchanged(f);
        assertThat(d.notifications).isEmpty();
    }

    @Test
    void case65_lastDomainLeavingReaccountsToTheExternalPins() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        TestGroup gpu = f.attachIommuGroup(1);
        f.map(0, GiB);
        d.pinMany(0, 1_100, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(262_144);
        f.ops.detachGroup(gpu);
        assertThat(f.lv()).isEqualTo(1_100);
        assertThat(f.mappings()).isEqualTo(1);
        assertThat(f.host.memory().totalPins()).isEqualTo(1_100);
        f.assertAuditClean();
        assertThat(f.unmap(0, GiB).unmappedBytes()).isEqualTo(GiB);
        assertThat(d.notifications).hasSize(1);
        assertThat(f.lv()).isZero();
    }

    @Test
    void case67_secondDomainComesAndGoesWithoutAccounting() {
        Fixture f = Fixture.pt();
        f.map(0, 64 * MiB);
        assertThat(f.lv()).isEqualTo(16_384);
        TestGroup other =
                f.attachIommuGroup(
                        IommuGroupSpec.builder().id(2).enforceCacheCoherency(false).build());
        assertThat(f.ops.state().details()).containsEntry("domains", 2L);
        assertThat(f.lv()).isEqualTo(16_384);
        assertThat(f.host.memory().totalPins()).isEqualTo(16_384);
        f.ops.detachGroup(other);
        assertThat(f.ops.state().details()).containsEntry("domains", 1L);
        assertThat(f.lv()).isEqualTo(16_384);
        f.assertAuditClean();
    }

    @Test
    void case69_lastEmulatedGroupLeavingDestroysTheMappings() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        f.ops.unregisterDevice(d);
        f.ops.detachGroup(d.group());
        assertThat(f.mappings()).isZero();
        assertThat(f.dmaAvail()).isEqualTo(LIMIT);
        assertThat(f.lv()).isZero();
        assertThat(f.mm().references()).isZero();
    }

    @Test
    void case71_replayOverTheLimitIsEnomemAndLeavesNoTrace() {
        Fixture f = Fixture.builder().memlockPages(200_000).build();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        d.pinMany(0, 1_000, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(1_000);
        TestGroup gpu = f.iommuGroup(IommuGroupSpec.of(1));
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.ops.attachGroup(gpu));
        assertThat(f.lv()).isEqualTo(1_000);
        assertThat(gpu.iommuGroup().orElseThrow().domain()).isEmpty();
        // The group is not attached: attaching it again is refused the same way, not EINVAL.
        Expect.errno(Errno.ENOMEM, () -> f.ops.attachGroup(gpu));
    }

    @Test
    void case73_replayOfAnUnbackedVaddrIsEfault() {
        Fixture f = Fixture.md();
        f.mdev();
        f.exec(MapDma.rw(0x1000_0000_0000L, 0, 2 * MiB)); // never checked without a domain
        TestGroup gpu = f.iommuGroup(IommuGroupSpec.of(1));
        Expect.refusedWithoutTrace(f, Errno.EFAULT, () -> f.ops.attachGroup(gpu));
        assertThat(gpu.iommuGroup().orElseThrow().domain()).isEmpty();
    }

    @Test
    void case75_setIommuWithoutGroupTwiceOrUnknownType() {
        SimHost host = SimHost.builder().build();
        CoreContainerModel empty = new CoreContainerModel(host, List.of(new Type1Provider()));
        Expect.errno(Errno.EINVAL, () -> empty.setIommu(3));

        CoreContainerModel c = new CoreContainerModel(host, List.of(new Type1Provider()));
        c.addGroup(TestGroup.iommu(host.addIommuGroup(IommuGroupSpec.of(1))));
        c.setIommu(3);
        Expect.errno(Errno.EINVAL, () -> c.setIommu(3));

        CoreContainerModel spapr = new CoreContainerModel(host, List.of(new Type1Provider()));
        spapr.addGroup(TestGroup.iommu(host.addIommuGroup(IommuGroupSpec.of(2))));
        Expect.errno(Errno.ENODEV, () -> spapr.setIommu(2));
    }

    @Test
    void case77_vaddrInvalidationIsRefusedWithMdevs() {
        Fixture f = Fixture.pt();
        f.mdev();
        f.map(0, MiB);
        Expect.refusedWithoutTrace(
                f, Errno.EBUSY, () -> f.exec(UnmapDma.of(0, MiB, UnmapDma.VADDR)));
        assertThat(f.exec(new CheckExtension(CheckExtension.UPDATE_VADDR))).isZero();
    }

    @Test
    void case79_attachWhileAVaddrIsInvalidIsEbusy() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        f.exec(UnmapDma.of(0, MiB, UnmapDma.VADDR));
        TestGroup g = f.iommuGroup(IommuGroupSpec.of(2));
        Expect.refusedWithoutTrace(f, Errno.EBUSY, () -> f.ops.attachGroup(g));
    }

    @Test
    void case81_vaddrUpdateOfAValidMappingOrAnEmptyRange() {
        Fixture f = Fixture.pt();
        long vaddr = f.map(0, GiB);
        Expect.refusedWithoutTrace(
                f, Errno.EINVAL, () -> f.exec(MapDma.of(vaddr, 0, GiB, MapDma.VADDR)));
        Expect.refusedWithoutTrace(
                f, Errno.ENOENT, () -> f.exec(MapDma.of(vaddr, 2 * GiB, GiB, MapDma.VADDR)));
    }

    @Test
    void case83_dmaRwWriteToAReadOnlyMappingIsEperm() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, MiB, MapDma.READ);
        Expect.refusedWithoutTrace(
                f, Errno.EPERM, () -> f.ops.dmaRw(d, 0, new byte[16], 0, 16, true));
    }

    @Test
    void case85_getInfoWithArgsz16RaisesArgsz() {
        Fixture f = Fixture.pt();
        GetInfo.Info info = f.exec(new GetInfo(16));
        // 24 (info) + 32 (migration) + 16 (dma_avail) + 16 + 2 * 16 (two ranges around the MSI
        // window)
        assertThat(info.argsz()).isEqualTo(120);
        assertThat(info.flags() & GetInfo.FLAG_CAPS).isEqualTo(GetInfo.FLAG_CAPS);
        assertThat(info.complete()).isFalse();
        assertThat(info.capabilities()).isEmpty();
    }
}
