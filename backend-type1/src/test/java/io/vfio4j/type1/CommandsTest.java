package io.vfio4j.type1;

import static io.vfio4j.type1.Fixture.GiB;
import static io.vfio4j.type1.Fixture.MiB;
import static io.vfio4j.type1.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimProcess;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** GET_INFO, CHECK_EXTENSION, DIRTY_PAGES, VADDR, dma_rw, entry limit, domains and ranges. */
class CommandsTest {

    @Test
    void getInfoReportsTheCapabilityChainInOrder() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        GetInfo.Info info = f.exec(GetInfo.full());
        assertThat(info.complete()).isTrue();
        assertThat(info.pageSizes()).isEqualTo(IommuGroupSpec.DEFAULT_PAGE_SIZE_BITMAP);
        assertThat(info.capabilities())
                .containsExactly(
                        new GetInfo.MigrationCap(0, P, 256 * MiB),
                        new GetInfo.DmaAvailCap(65_534),
                        new GetInfo.IovaRangeCap(
                                List.of(
                                        new IovaRange(0, 0xFEDFFFFFL),
                                        new IovaRange(0xFEF00000L, (1L << 48) - 1))));
        Expect.errno(Errno.EINVAL, () -> f.exec(new GetInfo(15)));
    }

    @Test
    void getInfoWithoutDomainHasNoRangeCapabilityAndPageMask() {
        Fixture f = Fixture.md();
        GetInfo.Info info = f.exec(GetInfo.full());
        assertThat(info.pageSizes()).isEqualTo(~(P - 1));
        assertThat(info.capabilities()).hasSize(2);
    }

    @Test
    void checkExtensionAnswers() {
        Type1Provider p = new Type1Provider();
        assertThat(p.checkExtension(1, null)).isEqualTo(1);
        assertThat(p.checkExtension(3, null)).isEqualTo(1);
        assertThat(p.checkExtension(CheckExtension.UNMAP_ALL, null)).isEqualTo(1);
        assertThat(p.checkExtension(CheckExtension.UPDATE_VADDR, null)).isZero();
        assertThat(p.checkExtension(CheckExtension.DMA_CC, null)).isZero();
        assertThat(p.checkExtension(CheckExtension.TYPE1_NESTING, null)).isZero();
        assertThat(p.checkExtension(2, null)).isZero();
        Fixture f = Fixture.pt();
        assertThat(f.exec(new CheckExtension(CheckExtension.UPDATE_VADDR))).isEqualTo(1);
        assertThat(f.exec(new CheckExtension(CheckExtension.DMA_CC))).isEqualTo(1);
        f.attachIommuGroup(IommuGroupSpec.builder().id(2).enforceCacheCoherency(false).build());
        assertThat(f.exec(new CheckExtension(CheckExtension.DMA_CC))).isZero();
    }

    @Test
    void providerDescribesItself() {
        Type1Provider p = new Type1Provider();
        assertThat(p.name()).isEqualTo("type1");
        assertThat(p.supportedTypes())
                .containsExactlyInAnyOrder(IommuType.TYPE1, IommuType.TYPE1v2);
        assertThat(p.settingKeys())
                .containsExactlyInAnyOrder(
                        "dma-entry-limit", "strict-unpin", "allow-unsafe-interrupts");
        assertThat(p.spiVersion().isLoadableBy(io.vfio4j.api.VfioSpi.runtime())).isTrue();
        assertThat(
                        java.util.ServiceLoader.load(io.vfio4j.api.VfioIommuDriverProvider.class)
                                .stream()
                                .map(java.util.ServiceLoader.Provider::type))
                .contains(Type1Provider.class);
    }

    @Test
    void dmaEntryLimitGivesEnospc() {
        Fixture f = Fixture.builder().setting("dma-entry-limit", "2").build();
        f.attachIommuGroup(1);
        f.map(0, P);
        f.map(P, P);
        long vaddr = f.ram(P);
        Expect.refusedWithoutTrace(f, Errno.ENOSPC, () -> f.mapAt(vaddr, 2 * P, P));
        assertThat(f.exec(GetInfo.full()).capabilities()).contains(new GetInfo.DmaAvailCap(0));
    }

    @Test
    void overlapIsEexistEvenForOneSharedPage() {
        Fixture f = Fixture.pt();
        f.map(0, 2 * MiB);
        long vaddr = f.ram(2 * MiB);
        Expect.refusedWithoutTrace(f, Errno.EEXIST, () -> f.mapAt(vaddr, 2 * MiB - P, 2 * MiB));
    }

    @Test
    void v2UnmapOverSeveralWholeMappingsWithHoles() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        f.map(4 * MiB, MiB);
        assertThat(f.unmap(0, 8 * MiB).unmappedBytes()).isEqualTo(2 * MiB);
    }

    @Test
    void v1UnmapStartingInsideAMappingRemovesNothing() {
        Fixture f = Fixture.v1();
        f.map(2 * MiB, 2 * MiB);
        assertThat(f.unmap(3 * MiB, 2 * MiB).unmappedBytes()).isZero();
        assertThat(f.mappings()).isEqualTo(1);
    }

    @Test
    void interruptRemappingIsRequiredUnlessAllowed() {
        Fixture f = Fixture.builder().build();
        TestGroup g =
                f.iommuGroup(IommuGroupSpec.builder().id(1).interruptRemapping(false).build());
        Expect.refusedWithoutTrace(f, Errno.EPERM, () -> f.ops.attachGroup(g));
        assertThat(g.iommuGroup().orElseThrow().domain()).isEmpty();
        Fixture allowed = Fixture.builder().setting("allow-unsafe-interrupts", "true").build();
        allowed.attachIommuGroup(IommuGroupSpec.builder().id(1).interruptRemapping(false).build());
        assertThat(allowed.ops.state().details()).containsEntry("domains", 1L);
    }

    @Test
    void reservedRegionOverAnExistingMappingIsEinval() {
        Fixture f = Fixture.md();
        f.mdev();
        f.map(0xFEE00000L, P);
        TestGroup g = f.iommuGroup(IommuGroupSpec.of(1));
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.attachGroup(g));
    }

    @Test
    void apertureThatExcludesAMappingIsEinval() {
        Fixture f = Fixture.pt();
        f.map(1L << 40, MiB);
        TestGroup narrow =
                f.iommuGroup(
                        IommuGroupSpec.builder()
                                .id(2)
                                .aperture(new IovaRange(0, (1L << 39) - 1))
                                .build());
        Expect.refusedWithoutTrace(f, Errno.EINVAL, () -> f.ops.attachGroup(narrow));
        Expect.errno(
                Errno.EINVAL,
                () -> f.ops.attachGroup(TestGroup.iommu(f.host.iommuGroup(1).orElseThrow())));
    }

    @Test
    void compatibleGroupJoinsTheExistingDomainAndRangesFollowDetach() {
        Fixture f = Fixture.pt();
        TestGroup second =
                f.attachIommuGroup(
                        IommuGroupSpec.builder()
                                .id(2)
                                .aperture(new IovaRange(0, (1L << 39) - 1))
                                .reservedRegions(List.of())
                                .build());
        assertThat(f.ops.state().details())
                .containsEntry("domains", 1L)
                .containsEntry("iommuGroups", 2L);
        GetInfo.Info info = f.exec(GetInfo.full());
        assertThat(info.capabilities().get(2))
                .isEqualTo(
                        new GetInfo.IovaRangeCap(
                                List.of(
                                        new IovaRange(0, 0xFEDFFFFFL),
                                        new IovaRange(0xFEF00000L, (1L << 39) - 1))));
        f.ops.detachGroup(second);
        assertThat(f.ops.state().details()).containsEntry("iommuGroups", 1L);
    }

    @Test
    void lastIommuGroupLeavingWithoutMdevRemovesMappings() {
        Fixture f = Fixture.builder().build();
        TestGroup g = f.attachIommuGroup(1);
        f.map(0, MiB);
        f.ops.detachGroup(g);
        assertThat(f.mappings()).isZero();
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void dirtyTrackingReportsEverythingUntilTheIommuGroupPins() {
        Fixture f = Fixture.pt();
        f.map(0, 64 * P);
        f.exec(DirtyPages.start());
        long[] bits = f.exec(DirtyPages.getBitmap(0, 64 * P, P)).bitmap().orElseThrow();
        assertThat(bits[0]).isEqualTo(-1L); // the IOMMU group never pinned
        Expect.errno(Errno.EINVAL, () -> f.exec(DirtyPages.getBitmap(0, 32 * P, 2 * P)));
        Expect.errno(Errno.EINVAL, () -> f.exec(DirtyPages.getBitmap(P, 32 * P, P)));
        f.exec(DirtyPages.stop());
        Expect.errno(Errno.EINVAL, () -> f.exec(DirtyPages.getBitmap(0, 64 * P, P)));
        Expect.errno(
                Errno.EINVAL,
                () ->
                        f.exec(
                                new DirtyPages(
                                        8,
                                        DirtyPages.START | DirtyPages.STOP,
                                        0,
                                        0,
                                        Optional.empty())));
    }

    @Test
    void dirtyTrackingWithMdevOnlyReportsPinnedAndWrittenPages() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        f.map(0, 64 * P);
        d.pin(3 * P, 1, DmaProt.RW);
        f.exec(DirtyPages.start());
        f.ops.dmaRw(d, 10 * P, new byte[2], 0, 2, true);
        long[] bits = f.exec(DirtyPages.getBitmap(0, 64 * P, P)).bitmap().orElseThrow();
        assertThat(bits[0]).isEqualTo((1L << 3) | (1L << 10));
        long[] again = f.exec(DirtyPages.getBitmap(0, 64 * P, P)).bitmap().orElseThrow();
        assertThat(again[0]).isEqualTo(1L << 3); // written pages are reported once
        d.unpinAll();
        UnmapDma.Result r =
                f.exec(
                        new UnmapDma(
                                UnmapDma.MIN_ARGSZ_WITH_BITMAP,
                                UnmapDma.GET_DIRTY_BITMAP,
                                0,
                                64 * P,
                                Optional.of(new io.vfio4j.api.command.DirtyBitmapRequest(P, 8))));
        assertThat(r.unmappedBytes()).isEqualTo(64 * P);
        assertThat(r.dirtyBitmap().orElseThrow()[0]).isEqualTo(1L << 3);
    }

    @Test
    void dmaRwCopiesThroughTheMapping() {
        Fixture f = Fixture.md();
        VendorDevice d = f.mdev();
        long vaddr = f.map(0, MiB);
        byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
        f.ops.dmaRw(d, 2 * P - 2, msg, 0, msg.length, true);
        assertThat(f.qemu.read(vaddr + 2 * P - 2, msg.length)).isEqualTo(msg);
        byte[] back = new byte[msg.length];
        f.ops.dmaRw(d, 2 * P - 2, back, 0, back.length, false);
        assertThat(back).isEqualTo(msg);
        Expect.errno(Errno.EINVAL, () -> f.ops.dmaRw(d, 4 * MiB, back, 0, 1, false));
        assertThat(f.lv()).isZero();
    }

    @Test
    void vaddrInvalidateAndUpdateInTheSameProcess() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        f.map(MiB, MiB);
        assertThat(f.exec(UnmapDma.of(0, 2 * MiB, UnmapDma.VADDR)).unmappedBytes())
                .isEqualTo(2 * MiB);
        assertThat(f.ops.state().details()).containsEntry("invalidVaddrs", 2L);
        // Invalidating again fails and undoes the marks of this call only.
        Expect.refusedWithoutTrace(
                f, Errno.EINVAL, () -> f.exec(UnmapDma.of(0, 2 * MiB, UnmapDma.VADDR)));
        long nv = f.ram(MiB);
        Expect.refusedWithoutTrace(
                f, Errno.EINVAL, () -> f.exec(MapDma.of(nv, 0, 2 * MiB, MapDma.VADDR)));
        f.exec(MapDma.of(nv, 0, MiB, MapDma.VADDR));
        assertThat(f.ops.state().details()).containsEntry("invalidVaddrs", 1L);
        assertThat(f.lv()).isEqualTo(512);
    }

    @Test
    void vaddrUpdateAfterExecMovesTheChargeToTheNewAddressSpace() {
        Fixture f = Fixture.builder().build();
        f.attachIommuGroup(1);
        f.map(0, MiB);
        SimAddressSpace old = f.mm();
        assertThat(old.lockedVm()).isEqualTo(256);
        f.exec(UnmapDma.of(0, MiB, UnmapDma.VADDR));
        SimAddressSpace fresh = f.qemu.exec();
        long nv = f.ram(MiB);
        f.exec(MapDma.of(nv, 0, MiB, MapDma.VADDR));
        assertThat(fresh.lockedVm()).isEqualTo(256);
        assertThat(old.lockedVm()).isEqualTo(256); // dead: never un-charged
        assertThat(old.references()).isZero();
        f.unmap(0, MiB);
        assertThat(fresh.lockedVm()).isZero();
        assertThat(fresh.underflows()).isZero();
    }

    @Test
    void vaddrUpdateByACallerOverItsLimitIsEnomem() {
        Fixture f = Fixture.pt();
        f.map(0, MiB);
        f.exec(UnmapDma.of(0, MiB, UnmapDma.VADDR));
        SimProcess tight =
                f.host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(16 * P).build());
        tight.mmap(io.vfio4j.host.RegionSpec.anonymous(1L << 40, MiB));
        Expect.refusedWithoutTrace(
                f, Errno.ENOMEM, () -> f.exec(tight, MapDma.of(1L << 40, 0, MiB, MapDma.VADDR)));
        assertThat(f.ops.state().details()).containsEntry("invalidVaddrs", 1L);
    }

    @Test
    void oneTebibyteOfGibPagesMapsAndUnmapsInRuns() {
        Fixture f = Fixture.builder().memlock(io.vfio4j.api.host.Task.UNLIMITED).build();
        f.attachIommuGroup(1);
        long vaddr = f.hugetlb1G(1024 * GiB);
        long iova = 4 * GiB; // above the MSI window
        f.mapAt(vaddr, iova, 1024 * GiB);
        assertThat(f.lv()).isEqualTo(1024 * GiB / P);
        assertThat(f.host.memory().segmentCount()).isLessThanOrEqualTo(1024);
        f.assertAuditClean();
        assertThat(f.unmap(iova, 1024 * GiB).unmappedBytes()).isEqualTo(1024 * GiB);
        assertThat(f.lv()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
    }
}
