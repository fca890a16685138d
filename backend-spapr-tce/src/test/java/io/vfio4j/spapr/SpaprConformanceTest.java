package io.vfio4j.spapr;

import static io.vfio4j.spapr.SpaprSetup.GIB;
import static io.vfio4j.spapr.SpaprSetup.KIB;
import static io.vfio4j.spapr.SpaprSetup.MIB;
import static io.vfio4j.spapr.SpaprSetup.R1;
import static io.vfio4j.spapr.SpaprSetup.T0;
import static io.vfio4j.spapr.SpaprSetup.T64;
import static io.vfio4j.spapr.SpaprSetup.V;
import static io.vfio4j.spapr.SpaprSetup.V2;
import static io.vfio4j.spapr.SpaprSetup.W;
import static io.vfio4j.spapr.SpaprSetup.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprDisable;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.host.HugePage;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.power.PowerNvTableGroup;
import org.junit.jupiter.api.Test;

/**
 * The odd-numbered conformance cases of docs/reference/spapr-tce.md §8, one test each, errno and Δ
 * exact.
 */
class SpaprConformanceTest {
    private final SpaprSetup r = new SpaprSetup();

    private VfioIommuDriverOps enabledV1() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprEnable());
        return c;
    }

    @Test
    void case01_setIommuWithoutGroupsIsEinval() {
        assertErrno(Errno.EINVAL, () -> r.setIommu(IommuType.SPAPR_TCE_v2, false));
        assertThat(r.lockedVm()).isZero();
    }

    @Test
    void case03_groupWithoutDdwRefusesV2ButJoinsV1() {
        assertErrno(Errno.EINVAL, () -> r.v2(r.h));
        VfioIommuDriverOps c = r.v1(r.h);
        assertThat(c.state().details()).containsEntry("groups", 1L);
    }

    @Test
    void case05_groupJoiningGetsExistingWindowsProgrammedWithoutCharge() {
        VfioIommuDriverOps c = r.v2(r.g1);
        long start = r.create(c, 16, 64 * GIB, 1);
        assertThat(start)
                .isEqualTo(PowerNvTableGroup.SLOT1_BUS_OFFSET); // the default window took slot 0
        long before = r.lockedVm();
        assertThat(before).isEqualTo(T0 + T64);

        c.attachGroup(r.g2);

        assertThat(r.lockedVm() - before).isZero();
        assertThat(r.g2Pe.window(1))
                .hasValueSatisfying(
                        w -> {
                            assertThat(w.table().windowSize()).isEqualTo(64 * GIB);
                            assertThat(w.table().pageShift()).isEqualTo(16);
                        });
        assertThat(r.g2Pe.window(0)).isPresent();
    }

    @Test
    void case07_mdevGroupCannotJoinV2Container() {
        VfioIommuDriverOps c = r.v2(r.g1);
        assertErrno(Errno.EINVAL, () -> c.attachGroup(TestGroup.emulated(1000)));
        assertThat(c.state().details()).containsEntry("groups", 1L);
    }

    @Test
    void case09_commandsOfTheOtherVersionAreEnotty() {
        VfioIommuDriverOps v1 = r.v1(r.g1);
        assertErrno(Errno.ENOTTY, () -> r.run(v1, SpaprRegisterMemory.of(V, 64 * KIB)));
        assertErrno(Errno.ENOTTY, () -> r.run(v1, SpaprUnregisterMemory.of(V, 64 * KIB)));
        assertErrno(Errno.ENOTTY, () -> r.run(v1, SpaprTceCreate.of(16, GIB, 1)));
        assertErrno(Errno.ENOTTY, () -> r.run(v1, SpaprTceRemove.of(0)));
        VfioIommuDriverOps v2 = r.v2(r.g2);
        assertErrno(Errno.ENOTTY, () -> r.run(v2, new SpaprEnable()));
        assertErrno(Errno.ENOTTY, () -> r.run(v2, new SpaprDisable()));
        assertErrno(Errno.ENOTTY, () -> r.run(v2, GetInfo.full()));
        assertErrno(Errno.ENOTTY, () -> r.run(v1, GetInfo.full()));
        assertThat(r.lockedVm()).isZero();
    }

    @Test
    void case11_badRegisterStillCachesTheCallerThenForeignCallerIsEperm() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        assertErrno(Errno.EINVAL, () -> r.run(c, new SpaprRegisterMemory(24, 1, V, GIB)));
        r.q.mmap(RegionSpec.anonymous(V, GIB));
        assertErrno(Errno.EPERM, () -> SpaprSetup.run(c, r.q, SpaprRegisterMemory.of(V, GIB)));
        assertThat(r.b.lockedVm()).isZero();
        assertThat(r.lockedVm()).isZero();
    }

    @Test
    void case13_v2GetInfoReportsDdwAndCreatesNoWindow() {
        VfioIommuDriverOps c = r.v2(r.g1);
        SpaprTceGetInfo.Info info = r.run(c, SpaprTceGetInfo.full());
        assertThat(info.flags()).isEqualTo(SpaprTceGetInfo.FLAG_DDW);
        assertThat(info.pageSizes()).isEqualTo(0x11011000L);
        assertThat(info.maxDynamicWindows()).isEqualTo(2);
        assertThat(info.levels()).isEqualTo(5);
        assertThat(info.dma32WindowStart()).isZero();
        assertThat(info.dma32WindowSize()).isEqualTo(2 * GIB);
        assertThat(c.state().details())
                .containsEntry("windows", 0L)
                .containsEntry("defaultWindowPending", 1L);
        assertThat(r.g1Pe.programmedWindows()).isZero();
        assertThat(r.lockedVm()).isZero();
    }

    @Test
    void case15_v1EnableOverLimitIsEnomemButCachesTheAddressSpace() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.limit(W - 1);
        assertErrno(Errno.ENOMEM, () -> r.run(c, new SpaprEnable()));
        assertThat(r.lockedVm()).isZero();
        assertThat(c.state().details()).containsEntry("enabled", 0L);
        assertErrno(Errno.EPERM, () -> SpaprSetup.run(c, r.q, SpaprTceGetInfo.full()));
    }

    @Test
    void case17_v1DisableReturnsTheWindowChargeButKeepsTableAndTces() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.run(c, new SpaprDisable());
        assertThat(r.lockedVm()).isZero();

        r.ram(V, 64 * KIB);
        r.run(c, new SpaprEnable());
        r.map(c, V, 0, 64 * KIB);
        assertThat(r.lockedVm()).isEqualTo(W + T0);
        r.run(c, new SpaprDisable());

        assertThat(r.lockedVm()).isEqualTo(T0);
        assertThat(r.g1Pe.dmaTranslate(0)).isEqualTo(r.pfn(V) << 16);
        assertErrno(Errno.EPERM, () -> r.map(c, V, 0, 64 * KIB));
    }

    @Test
    void case19_v1FirstMapChargesDefaultTable() {
        VfioIommuDriverOps c = r.v1(r.g1);
        r.ram(V, 64 * KIB);
        r.limit(W);
        r.run(c, new SpaprEnable());
        assertThat(r.lockedVm()).isEqualTo(W);

        assertErrno(Errno.ENOMEM, () -> r.map(c, V, 0, 64 * KIB));
        assertThat(c.state().mappings()).isZero();
        assertThat(r.pins(V)).isZero();
        assertThat(r.lockedVm()).isEqualTo(W);

        r.limit(W + T0);
        r.map(c, V, 0, 64 * KIB);
        assertThat(r.lockedVm()).isEqualTo(W + T0);
        assertThat(c.state().mappings()).isEqualTo(16);
    }

    @Test
    void case21_v1MapOutsideTheDefaultWindowIsEnxio() {
        VfioIommuDriverOps c = enabledV1();
        r.ram(V, 64 * KIB);
        assertErrno(Errno.ENXIO, () -> r.map(c, V, 0x8000_0000L, 64 * KIB));
        assertThat(c.state().mappings()).isZero();
    }

    @Test
    void case23_v1MapAtUnalignedIovaIsEinvalNotPlusOne() {
        VfioIommuDriverOps c = enabledV1();
        r.ram(V, 64 * KIB);
        assertErrno(Errno.EINVAL, () -> r.map(c, V, 0x800, 64 * KIB));
        assertThat(c.state().mappings()).isZero();
        assertThat(r.pins(V)).isZero();
    }

    @Test
    void case25_unmapChecks() {
        VfioIommuDriverOps c = enabledV1();
        assertErrno(Errno.EINVAL, () -> r.run(c, UnmapDma.of(0, 4 * KIB, 1)));
        assertErrno(Errno.EINVAL, () -> r.unmap(c, 0, 0x800));
        assertErrno(Errno.ENXIO, () -> r.unmap(c, 3 * GIB, 4 * KIB));
        assertThat(r.lockedVm()).isEqualTo(W + T0);
    }

    @Test
    void case27_v1MapPinsOncePerTce() {
        VfioIommuDriverOps c = enabledV1();
        r.ram(V, 64 * KIB);
        r.run(c, MapDma.of(V, 0, 64 * KIB, MapDma.READ | MapDma.WRITE));
        assertThat(c.state().mappings()).isEqualTo(16);
        assertThat(r.pins(V)).isEqualTo(16);
        for (long off = 0; off < 64 * KIB; off += 4 * KIB) {
            assertThat(r.g1Pe.dmaTranslate(off)).isEqualTo((r.pfn(V) << 16) + off);
        }
    }

    @Test
    void case29_v1RemapReleasesTheOldPagesDirty() {
        VfioIommuDriverOps c = enabledV1();
        r.ram(V, 64 * KIB);
        r.ram(V2, 64 * KIB);
        r.map(c, V, 0, 64 * KIB);
        long delta = r.lockedVm();

        r.map(c, V2, 0, 64 * KIB);

        assertThat(r.pins(V)).isZero();
        assertThat(r.host.memory().isDirty(r.pfn(V))).isTrue();
        assertThat(r.pins(V2)).isEqualTo(16);
        assertThat(r.lockedVm()).isEqualTo(delta);
        assertThat(c.state().mappings()).isEqualTo(16);
    }

    @Test
    void case31_v1UnmapOneSmallTce() {
        VfioIommuDriverOps c = enabledV1();
        r.ram(V, 64 * KIB);
        r.map(c, V, 0, 64 * KIB);
        r.unmap(c, 0x4000, 4 * KIB);
        assertThat(r.g1Pe.dmaTranslate(0x4000)).isEqualTo(-1);
        assertThat(r.g1Pe.dmaTranslate(0x3000)).isNotEqualTo(-1);
        assertThat(r.pins(V)).isEqualTo(15);
        assertThat(c.state().mappings()).isEqualTo(15);
    }

    @Test
    void case33_v2MapBeforeRegisterIsEperm() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, 64 * KIB);
        assertErrno(Errno.EPERM, () -> r.map(c, V, 0, 64 * KIB));
        assertThat(c.state().details()).containsEntry("windows", 0L);
        assertThat(r.lockedVm()).isZero();
    }

    @Test
    void case35_registerOfUnalignedOrWrappingRangeIsEinval() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, 2 * GIB);
        assertErrno(Errno.EINVAL, () -> r.register(c, V + 4 * KIB, GIB));
        assertErrno(Errno.EINVAL, () -> r.register(c, -64 * KIB, 128 * KIB));
        assertThat(r.lockedVm()).isZero();
        assertThat(r.host.memory().totalPins()).isZero();
    }

    @Test
    void case37_secondContainerSharesTheRegionForFree() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        assertThat(r.lockedVm()).isEqualTo(R1);
        VfioIommuDriverOps c2 = r.v2(r.g2);

        r.register(c2, V, GIB);

        assertThat(r.lockedVm()).isEqualTo(R1);
        assertThat(r.region(V, GIB).used()).isEqualTo(2);
        assertThat(r.pins(V)).isEqualTo(1);
    }

    @Test
    void case39_registerOverLimitIsEnomemAndPinsNothing() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.limit(R1 - 1);
        assertErrno(Errno.ENOMEM, () -> r.register(c, V, GIB));
        assertThat(r.lockedVm()).isZero();
        assertThat(r.host.memory().totalPins()).isZero();
        assertThat(r.region(V, GIB)).isNull();
    }

    @Test
    void case41_unregisterOnAFreshContainerIsEperm() {
        VfioIommuDriverOps c = r.v2(r.g1);
        assertErrno(Errno.EPERM, () -> r.run(c, SpaprUnregisterMemory.of(V, GIB)));
    }

    @Test
    void case43_unregisterOfARegionOnlyAnotherContainerHoldsIsEnoent() {
        VfioIommuDriverOps c = r.v2(r.g1);
        VfioIommuDriverOps c2 = r.v2(r.g2);
        r.ram(V, GIB);
        r.ram(V2, 64 * KIB);
        r.register(c, V2, 64 * KIB); // caches A in C
        r.register(c2, V, GIB);

        assertErrno(Errno.ENOENT, () -> r.run(c, SpaprUnregisterMemory.of(V, GIB)));
        assertErrno(
                Errno.ENOENT,
                () -> r.run(c2, SpaprUnregisterMemory.of(V, GIB / 2))); // no bisecting
        assertThat(r.region(V, GIB).used()).isEqualTo(1);
        assertThat(r.lockedVm()).isEqualTo(R1 + 1);
    }

    @Test
    void case45_unregisterOfAMappedRegionIsEbusyUntilUnmapped() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.map(c, V, 0, 64 * KIB);

        assertErrno(Errno.EBUSY, () -> r.run(c, SpaprUnregisterMemory.of(V, GIB)));
        assertThat(r.region(V, GIB)).isNotNull();
        assertThat(r.lockedVm()).isEqualTo(R1 + T0);

        r.unmap(c, 0, 64 * KIB);
        r.run(c, SpaprUnregisterMemory.of(V, GIB));
        assertThat(r.lockedVm()).isEqualTo(T0);
        assertThat(r.region(V, GIB)).isNull();
        assertThat(r.pins(V)).isZero();
    }

    @Test
    void case47_v2FirstMapMaterialisesTheDefaultWindow() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.map(c, V, 0, 64 * KIB);
        assertThat(r.lockedVm()).isEqualTo(R1 + T0);
        assertThat(r.region(V, GIB).mapped()).isEqualTo(1 + 16);
        assertThat(r.g1Pe.dmaTranslate(0x1000)).isEqualTo((r.pfn(V) << 16) + 0x1000);
    }

    @Test
    void case49_largeIommuPagesNeedHugetlbBacking() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.remove(c, 0);
        assertThat(r.create(c, 24, 64 * GIB, 1)).isZero();
        assertErrno(Errno.EINVAL, () -> r.map(c, V, 0, 16 * MIB));
        assertThat(c.state().mappings()).isZero();

        long vh = 1L << 41;
        r.p.mmap(RegionSpec.hugetlb(vh, 256 * MIB, HugePage.SIZE_16M));
        r.register(c, vh, 256 * MIB);
        r.map(c, vh, 0, 16 * MIB);
        assertThat(c.state().mappings()).isEqualTo(1);
        assertThat(r.g1Pe.dmaTranslate(0x12345)).isEqualTo((r.pfn(vh) << 16) + 0x12345);
    }

    @Test
    void case51_createAfterRemovingTheDefaultWindowLandsAtZero() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.remove(c, 0);
        long before = r.lockedVm();
        assertThat(r.create(c, 16, 64 * GIB, 1)).isZero();
        assertThat(r.lockedVm() - before).isEqualTo(T64);
    }

    @Test
    void case53_thirdWindowIsEnospc() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.remove(c, 0);
        assertThat(r.create(c, 16, 64 * GIB, 1)).isZero();
        assertThat(r.create(c, 16, 64 * GIB, 1)).isEqualTo(1L << 59);
        long before = r.lockedVm();
        assertErrno(Errno.ENOSPC, () -> r.create(c, 16, 64 * GIB, 1));
        assertThat(r.lockedVm()).isEqualTo(before).isEqualTo(2 * T64);
    }

    @Test
    void case55_createOverLimitIsEnomemAndLeavesTheSlotFree() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.remove(c, 0);
        r.limit(T64 - 1);
        assertErrno(Errno.ENOMEM, () -> r.create(c, 16, 64 * GIB, 1));
        assertThat(r.lockedVm()).isZero();
        assertThat(c.state().details()).containsEntry("windows", 0L);
        r.limit(T64);
        assertThat(r.create(c, 16, 64 * GIB, 1)).isZero();
    }

    @Test
    void case57_platformRefusalAfterTheChargeUndoesIt() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.remove(c, 0);
        r.p.setCapIpcLock(true);
        assertErrno(Errno.EINVAL, () -> r.create(c, 12, 1L << 55, 1));
        assertThat(r.lockedVm()).isZero(); // Q3: the kernel would keep the table charge
        assertThat(c.state().details()).containsEntry("windows", 0L);
    }

    @Test
    void case59_removeClearsTheWindowAndUnchargesItsTable() {
        VfioIommuDriverOps c = r.v2(r.g1);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.map(c, V, 0, 64 * KIB);
        assertThat(r.lockedVm()).isEqualTo(R1 + T0);

        r.remove(c, 0x1000); // any address inside the window names it

        assertThat(c.state().mappings()).isZero();
        assertThat(r.region(V, GIB).mapped()).isEqualTo(1);
        assertThat(r.lockedVm()).isEqualTo(R1);
        assertThat(r.g1Pe.window(0)).isEmpty();
    }

    @Test
    void case61_detachOfOneGroupClearsEveryTce() {
        VfioIommuDriverOps c = r.v2(r.g1, r.g2);
        r.ram(V, GIB);
        r.register(c, V, GIB);
        r.map(c, V, 0, 64 * KIB);
        long before = r.lockedVm();

        c.detachGroup(r.g2);

        assertThat(c.state().mappings()).isZero();
        assertThat(c.state().details()).containsEntry("windows", 1L);
        assertThat(r.lockedVm()).isEqualTo(before);
        assertThat(r.g1Pe.window(0)).isPresent();
        assertThat(r.g2Pe.window(0)).isEmpty();
        assertThat(r.region(V, GIB).mapped()).isEqualTo(1);
    }

    @Test
    void case63_v1ReleaseReturnsWindowAndTableCharges() {
        VfioIommuDriverOps c = enabledV1();
        r.ram(V, 64 * KIB);
        r.map(c, V, 0, 64 * KIB);
        assertThat(r.lockedVm()).isEqualTo(W + T0);

        c.detachGroup(r.g1);
        c.release();

        assertThat(r.lockedVm()).isZero();
        assertThat(r.pins(V)).isZero();
        assertThat(r.a.references()).isZero();
    }

    @Test
    void case65_eehChecks() {
        VfioIommuDriverOps c = r.v2(r.g1);
        assertErrno(
                Errno.EINVAL, () -> r.run(c, new EehPeOp(12, 1, EehPeOp.GET_STATE, 0, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> r.run(c, EehPeOp.of(42)));
        assertErrno(Errno.EINVAL, () -> r.run(c, new EehPeOp(8, 0, EehPeOp.GET_STATE, 0, 0, 0, 0)));
        assertErrno(
                Errno.EINVAL, () -> r.run(c, new EehPeOp(12, 0, EehPeOp.INJECT_ERR, 0, 0, 0, 0)));
        assertThat(r.run(c, EehPeOp.of(EehPeOp.GET_STATE))).isEqualTo(EehPeOp.STATE_NORMAL);

        VfioIommuDriverOps noPe = r.v2(r.n);
        assertErrno(Errno.ENODEV, () -> r.run(noPe, EehPeOp.of(EehPeOp.GET_STATE)));

        SpaprTceProvider provider = new SpaprTceProvider();
        assertThat(provider.checkExtension(CheckExtension.EEH, r.host)).isEqualTo(1);
        assertThat(r.run(c, new CheckExtension(CheckExtension.EEH))).isEqualTo(1);
        SpaprSetup noEeh = new SpaprSetup(false);
        assertThat(provider.checkExtension(CheckExtension.EEH, noEeh.host)).isZero();
    }
}
