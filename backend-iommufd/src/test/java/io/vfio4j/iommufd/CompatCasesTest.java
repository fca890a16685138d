package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.GiB;
import static io.vfio4j.iommufd.Fixture.KiB;
import static io.vfio4j.iommufd.Fixture.MiB;
import static io.vfio4j.iommufd.Fixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.host.IovaRange;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The compat-container conformance cases of docs/reference/iommufd.md §10 (numbered as there) and
 * the compat column of its §9 comparison. Counters are asserted exactly: lv = the process's
 * locked_vm, pv = its pinned_vm, ulv = its user's locked_vm, in 4 KiB pages.
 */
class CompatCasesTest {
    private static Errno errno(ThrowingCallable call) {
        VfioException e = catchThrowableOfType(VfioException.class, call);
        assertThat(e).as("refused").isNotNull();
        return e.errno();
    }

    @Test
    void case131CheckExtension() {
        Fixture f = Fixture.c2();
        long[] ext = {1, 3, 9, 6, 10, 2, 7};
        int[] expected = {1, 1, 1, 0, 0, 0, 0};
        for (int i = 0; i < ext.length; i++) {
            assertThat(f.exec(new CheckExtension(ext[i])))
                    .as("extension %d", ext[i])
                    .isEqualTo(expected[i]);
        }
        assertThat(f.exec(new CheckExtension(CheckExtension.DMA_CC))).isEqualTo(1);
    }

    @Test
    void case135MapChargesLockedAndPinnedVmAndUnmapReturnsThem() {
        Fixture f = Fixture.c2();
        f.map(0x100000, 0x100000);
        assertThat(f.counters()).containsExactly(256, 256, 0);
        assertThat(f.unmap(0x100000, 0x100000)).isEqualTo(0x100000);
        assertThat(f.counters()).containsExactly(0, 0, 0);
        assertThat(f.host.memory().totalPins()).isZero();
    }

    @Test
    void case137BisectingUnmapIsEnoentAndLeavesTheMapping() {
        Fixture f = Fixture.c2();
        f.map(2 * MiB, 2 * MiB);
        assertThat(errno(() -> f.unmap(2 * MiB + 4 * KiB, 4 * KiB))).isEqualTo(Errno.ENOENT);
        assertThat(f.ops.state().mappedBytes()).isEqualTo(2 * MiB);
        assertThat(f.counters()).containsExactly(512, 512, 0);
    }

    @Test
    void case141DirtyBitmapAndVaddrFlagsAreEinval() {
        Fixture f = Fixture.c2();
        f.map(0, MiB);
        assertThat(errno(() -> f.exec(UnmapDma.of(0, MiB, UnmapDma.GET_DIRTY_BITMAP))))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> f.exec(UnmapDma.of(0, MiB, UnmapDma.VADDR))))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> f.exec(MapDma.of(f.ram(MiB), 2 * MiB, MiB, MapDma.VADDR))))
                .isEqualTo(Errno.EINVAL);
        assertThat(f.ops.state().mappings()).isEqualTo(1);
    }

    @Test
    void case143DirtyPagesIsNotHandled() {
        Fixture f = Fixture.c2();
        assertThat(errno(() -> f.exec(DirtyPages.start()))).isEqualTo(Errno.ENOTTY);
    }

    @Test
    void case145GetInfoHasDmaAvailThenTwoRangesAndNoMigrationCap() {
        Fixture f = Fixture.c2();
        GetInfo.Info info = f.exec(new GetInfo(88));
        assertThat(info.complete()).isTrue();
        assertThat(info.flags()).isEqualTo(GetInfo.FLAG_PGSIZES | GetInfo.FLAG_CAPS);
        assertThat(info.capabilities())
                .containsExactly(
                        new GetInfo.DmaAvailCap(4_294_967_295L),
                        new GetInfo.IovaRangeCap(
                                List.of(
                                        new IovaRange(0, 0xFEDF_FFFFL),
                                        new IovaRange(0xFEF0_0000L, (1L << 48) - 1))));
        // 24 + 16 + 16 + 2 * 16 = 88: one byte less and the chain is cut, argsz raised.
        GetInfo.Info short1 = f.exec(new GetInfo(87));
        assertThat(short1.complete()).isFalse();
        assertThat(short1.argsz()).isEqualTo(88);
        assertThat(short1.capabilities()).containsExactly(new GetInfo.DmaAvailCap(4_294_967_295L));
        assertThat(errno(() -> f.exec(new GetInfo(15)))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void case147ChargeMovesToTheDeviceOpenWhichFailsOverTheLimit() {
        Fixture f = new Fixture(IommuType.TYPE1v2, 256 * MiB, false, Map.of());
        f.map(0, 512 * MiB);
        assertThat(f.counters()).as("lazy: nothing pinned").containsExactly(0, 0, 0);
        Fixture.Group g = f.iommuGroup(1);
        assertThat(errno(() -> f.ops.attachGroup(g))).isEqualTo(Errno.ENOMEM);
        assertThat(f.counters()).containsExactly(0, 0, 0);
        assertThat(f.host.memory().totalPins()).isZero();
        assertThat(f.ops.state().details()).containsEntry("domains", 0L);
    }

    @Test
    void case149ClosingTheLastDeviceUnpinsButKeepsTheMappings() {
        Fixture f = Fixture.c0();
        Fixture.Group g = f.attachIommuGroup(1);
        f.map(0, 512 * MiB);
        assertThat(f.counters()).containsExactly(131_072, 131_072, 0);
        f.ops.detachGroup(g);
        assertThat(f.counters()).containsExactly(0, 0, 0);
        assertThat(f.ops.state().mappedBytes()).isEqualTo(512 * MiB);
        f.ops.attachGroup(g);
        assertThat(f.counters()).containsExactly(131_072, 131_072, 0);
    }

    @Test
    void case151AnMdevPins513PagesInOneCallWithoutExtraCharge() {
        Fixture f = Fixture.c2();
        Fixture.Mdev e = f.mdev();
        f.map(0, GiB);
        assertThat(f.ops.maxPinPages(P)).isEqualTo(Integer.MAX_VALUE);
        assertThat(e.pin(0, 513)).isEqualTo(513);
        assertThat(f.counters()).containsExactly(262_144, 262_144, 0);
        assertThat(f.ops.state().pinnedPages()).isEqualTo(513);
    }

    @Test
    void case153TypeOneCutThroughAPinnedMappingIsEinval() {
        Fixture f = Fixture.c1();
        Fixture.Mdev e = f.mdev();
        f.map(2 * MiB, 2 * MiB);
        e.pin(2 * MiB + 4 * KiB, 1);
        assertThat(errno(() -> f.unmap(2 * MiB + 4 * KiB, 4 * KiB))).isEqualTo(Errno.EINVAL);
        assertThat(f.ops.state().mappings()).isEqualTo(1);
        assertThat(f.ops.state().mappedBytes()).isEqualTo(2 * MiB);
    }

    @Test
    void case155MsiWindowIsEinval() {
        Fixture f = Fixture.c2();
        assertThat(errno(() -> f.map(0xFEE0_0000L, 4 * KiB))).isEqualTo(Errno.EINVAL);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row16TypeOnePunchesAPageOutOfTheMiddle() {
        Fixture f = Fixture.c1();
        f.map(2 * MiB, 2 * MiB);
        assertThat(f.unmap(2 * MiB + 4 * KiB, 4 * KiB)).isEqualTo(4 * KiB);
        assertThat(f.ops.state().mappings()).as("split in two").isEqualTo(2);
        assertThat(f.ops.state().mappedBytes()).isEqualTo(2 * MiB - 4 * KiB);
        assertThat(f.counters()).containsExactly(511, 511, 0);
        assertThat(f.unmap(0, 8 * MiB)).isEqualTo(2 * MiB - 4 * KiB);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row17UnmapOfAnEmptyRangeSucceedsAndEnoentWithoutTheFix() {
        Fixture f = Fixture.c2();
        assertThat(f.unmap(0, MiB)).isZero();
        Fixture old =
                new Fixture(
                        IommuType.TYPE1v2,
                        GiB,
                        false,
                        Fixture.settings("empty-unmap-enoent", "true"));
        old.attachIommuGroup(1);
        assertThat(errno(() -> old.unmap(0, MiB))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void row18UnmapCoveringAAndHalfOfBRemovesAThenFails() {
        Fixture f = Fixture.c2();
        f.map(0, MiB);
        f.map(MiB, MiB);
        assertThat(errno(() -> f.unmap(0, MiB + MiB / 2))).isEqualTo(Errno.ENOENT);
        assertThat(f.ops.state().mappings()).as("A removed, B intact").isEqualTo(1);
        assertThat(f.counters()).containsExactly(256, 256, 0);
    }

    @Test
    void row19UnmapAllReportsTheTotalAndSucceedsWhenEmpty() {
        Fixture f = Fixture.c2();
        f.map(0, MiB);
        f.map(4 * MiB, 2 * MiB);
        assertThat(f.exec(UnmapDma.all()).unmappedBytes()).isEqualTo(3 * MiB);
        assertThat(f.exec(UnmapDma.all()).unmappedBytes()).isZero();
        assertThat(errno(() -> f.exec(UnmapDma.of(4096, 0, UnmapDma.ALL)))).isEqualTo(Errno.EINVAL);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row3BarIsEfaultWithADomainAndAtAttachWithout() {
        Fixture f = Fixture.c2();
        long bar = f.bar(256 * MiB);
        assertThat(errno(() -> f.exec(MapDma.rw(bar, 0, 256 * MiB)))).isEqualTo(Errno.EFAULT);
        assertThat(f.ops.state().mappings()).isZero();
        Fixture lazy = Fixture.c0();
        long bar2 = lazy.bar(256 * MiB);
        lazy.exec(MapDma.rw(bar2, 0, 256 * MiB));
        Fixture.Group g = lazy.iommuGroup(1);
        assertThat(errno(() -> lazy.ops.attachGroup(g))).isEqualTo(Errno.EFAULT);
        assertThat(lazy.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row3DownstreamSettingsMapTheBarChargedOrNot() {
        for (String mode : List.of("charged", "uncharged")) {
            Fixture f =
                    new Fixture(
                            IommuType.TYPE1v2, GiB, false, Fixture.settings("device-memory", mode));
            f.attachIommuGroup(1);
            long bar = f.bar(256 * MiB);
            f.exec(MapDma.rw(bar, 0, 256 * MiB));
            long n = mode.equals("charged") ? 65_536 : 0;
            assertThat(f.counters()).as(mode).containsExactly(n, n, 0);
            assertThat(f.host.memory().totalPins()).as("device frames are never pinned").isZero();
            f.unmap(0, 256 * MiB);
            assertThat(f.counters()).containsExactly(0, 0, 0);
        }
    }

    @Test
    void row4OverTheLimitIsEnomemAndKeepsNothing() {
        Fixture f = Fixture.c2();
        assertThat(errno(() -> f.map(0, GiB + 4 * KiB))).isEqualTo(Errno.ENOMEM);
        assertThat(f.counters()).containsExactly(0, 0, 0);
        assertThat(f.ops.state().mappings()).isZero();
        assertThat(f.host.memory().totalPins()).isZero();
        f.map(0, GiB);
        assertThat(f.counters()).as("at the limit is allowed").containsExactly(262_144, 262_144, 0);
    }

    @Test
    void row5CapIpcLockChargesOnlyPinnedVm() {
        Fixture f = new Fixture(IommuType.TYPE1v2, GiB, true, Map.of());
        f.attachIommuGroup(1);
        f.map(0, GiB + 4 * KiB);
        assertThat(f.counters()).containsExactly(0, 262_145, 0);
        f.unmap(0, GiB + 4 * KiB);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row6MdevPinWithoutDomainChargesAndUnpinReturns() {
        Fixture f = Fixture.c0();
        Fixture.Mdev e = f.mdev();
        f.map(0, 4 * MiB);
        e.pin(0, 512);
        assertThat(f.counters()).containsExactly(512, 512, 0);
        e.unpin(0, 512);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row9PinOfAnUnmappedIovaIsEnoent() {
        Fixture f = Fixture.c0();
        Fixture.Mdev e = f.mdev();
        f.map(0, 8 * KiB);
        assertThat(errno(() -> e.pin(0, 3))).isEqualTo(Errno.ENOENT);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row10UnpinOfPartOfAPinWarnsAndReleasesNothing() {
        Fixture f = Fixture.c0();
        Fixture.Mdev e = f.mdev();
        f.map(0, MiB);
        e.pin(0, 4);
        e.unpin(0, 1);
        assertThat(f.events.warnings).hasSize(1);
        assertThat(f.counters()).containsExactly(4, 4, 0);
        e.unpin(0, 4);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row11ADriverThatNeverUnpinsGetsEdeadlkAfter101Notifications() {
        Fixture f = Fixture.c0();
        Fixture.Mdev e = f.mdev();
        e.cooperative = false;
        f.map(2 * MiB, 2 * MiB);
        e.pin(2 * MiB, 1);
        assertThat(errno(() -> f.unmap(2 * MiB, 2 * MiB))).isEqualTo(Errno.EDEADLK);
        assertThat(e.notifications).hasSize(101);
        assertThat(e.notifications)
                .allSatisfy(n -> assertThat(n).containsExactly(2 * MiB, 2 * MiB));
        assertThat(f.events.warnings).hasSize(1);
        assertThat(f.ops.state().mappings()).as("the mapping stays").isEqualTo(1);
        assertThat(errno(() -> e.pin(2 * MiB, 1))).as("prevent_access").isEqualTo(Errno.EINVAL);
    }

    @Test
    void case113OneNotificationOfTheWholeAreaThenTheUnmapSucceeds() {
        Fixture f = Fixture.c0();
        Fixture.Mdev e = f.mdev();
        f.map(2 * MiB, 2 * MiB);
        e.pin(2 * MiB, 1);
        e.pin(2 * MiB + 8 * KiB, 2);
        e.pin(3 * MiB, 1);
        assertThat(f.unmap(0, 8 * MiB)).isEqualTo(2 * MiB);
        assertThat(e.notifications).hasSize(1);
        assertThat(e.notifications.get(0)).containsExactly(2 * MiB, 2 * MiB);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row22NoMappingCountLimit() {
        Fixture f = Fixture.c0();
        long vaddr = f.ram(70_000 * P);
        for (long i = 0; i < 70_000; i++) {
            f.exec(MapDma.rw(vaddr + i * P, i * P, P));
        }
        assertThat(f.ops.state().mappings()).isEqualTo(70_000);
        assertThat(f.ops.state().dmaAvail()).as("no budget").isEqualTo(-1);
    }

    @Test
    void row24UnalignedMapIsAcceptedWithoutADomainAndBlocksTheAttach() {
        Fixture f = Fixture.c0();
        f.exec(MapDma.rw(f.ram(2 * P) + 0x1000, 0x1000, 0x1800));
        Fixture.Group g = f.iommuGroup(1);
        assertThat(errno(() -> f.ops.attachGroup(g))).isEqualTo(Errno.EADDRINUSE);
        Fixture d = Fixture.c2();
        assertThat(errno(() -> d.exec(MapDma.rw(d.ram(2 * P), 0x1000, 0x1800))))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    void row25AttachWhileAMappingCoversTheMsiWindowIsEaddrinuse() {
        Fixture f = Fixture.c0();
        f.map(0xFEE0_0000L, 4 * KiB);
        Fixture.Group g = f.iommuGroup(1);
        assertThat(errno(() -> f.ops.attachGroup(g))).isEqualTo(Errno.EADDRINUSE);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row8PinWithADomainChargesNothingMore() {
        Fixture f = Fixture.c2();
        Fixture.Mdev e = f.mdev();
        f.map(0, MiB);
        e.pin(0, 16);
        assertThat(f.counters()).containsExactly(256, 256, 0);
        e.unpin(0, 16);
        assertThat(f.counters()).containsExactly(256, 256, 0);
    }

    @Test
    void userAccountingChargesTheUidAndPinnedVm() {
        Fixture f =
                new Fixture(IommuType.TYPE1v2, GiB, false, Fixture.settings("accounting", "user"));
        f.attachIommuGroup(1);
        f.map(0, MiB);
        assertThat(f.counters()).containsExactly(0, 256, 256);
        f.unmap(0, MiB);
        assertThat(f.counters()).containsExactly(0, 0, 0);
    }

    @Test
    void badSettingValuesAreConfigurationErrors() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                new Fixture(
                                        IommuType.TYPE1v2,
                                        GiB,
                                        false,
                                        Fixture.settings("accounting", "group")))
                .isInstanceOf(io.vfio4j.api.VfioConfigurationException.class)
                .hasMessage("vfio4j.backend.iommufd.accounting = 'group' is not one of: mm, user");
    }
}
