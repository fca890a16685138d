package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.GiB;
import static io.vfio4j.iommufd.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostUser;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IommuOption;
import io.vfio4j.api.ioas.IovaRanges;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The native conformance cases of docs/reference/iommufd.md §10 (N0: a {@code /dev/iommu} context
 * with one IOAS I and no device; N1: N0 + device D1 attached through an automatic domain), with
 * exact errnos and counters (ulv = the uid's locked_vm, pv = pinned_vm, lv = locked_vm, in pages).
 */
class NativeCasesTest {
    private final SimHost host = SimHost.builder().build();
    private final SimProcess qemu = process(GiB, false, ProcessSpec.DEFAULT_UID);
    private final NativeIommuOps ctx = open();
    private final int ioas = ctx.ioasAlloc(0);
    private long nextVa = 0x7f00_0000_0000L;

    private NativeIommuOps open() {
        return NativeContexts.open(host);
    }

    private SimProcess process(long memlock, boolean capIpcLock, int uid) {
        return host.spawnProcess(
                ProcessSpec.builder()
                        .name("qemu")
                        .memlockLimitBytes(memlock)
                        .capIpcLock(capIpcLock)
                        .uid(uid)
                        .build());
    }

    private long ram(SimProcess p, long size) {
        long va = nextVa;
        p.mmap(RegionSpec.anonymous(va, (size + 0xfff) & ~0xfffL));
        nextVa += ((size + GiB - 1) / GiB + 1) * GiB;
        return va;
    }

    private long ram(long size) {
        return ram(qemu, size);
    }

    /** Binds the device of a new hardware group {@code id}; returns its device id. */
    private int bind(NativeIommuOps c, int groupId) {
        SimIommuGroup g = host.addIommuGroup(IommuGroupSpec.of(groupId));
        return c.bindDevice(g.devices().get(0), g);
    }

    /** N1: D1 attached to I. */
    private int n1() {
        int d1 = bind(ctx, 1);
        ctx.attach(d1, ioas);
        return d1;
    }

    private long map(long iova, long size) {
        return ctx.ioasMap(qemu, IoasMap.fixed(ioas, ram(size), iova, size));
    }

    /** lv, pv and ulv of QEMU. */
    private long[] counters() {
        SimAddressSpace mm = qemu.simAddressSpace().orElseThrow();
        return new long[] {mm.lockedVm(), mm.pinnedVm(), qemu.user().lockedVm()};
    }

    private static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    @Test
    void case1DestroyOfIdZeroIsEnoent() {
        assertErrno(() -> ctx.destroy(0), Errno.ENOENT);
    }

    @Test
    void case9And11And13RlimitMode() {
        NativeIommuOps fresh = open();
        assertThat(fresh.option(qemu, IommuOption.get(IommuOption.RLIMIT_MODE, 0))).isZero();
        assertErrno(
                () -> fresh.option(qemu, IommuOption.set(IommuOption.RLIMIT_MODE, 0, 1)),
                Errno.EPERM);
        assertErrno(
                () -> fresh.option(qemu, IommuOption.get(IommuOption.RLIMIT_MODE, 5)),
                Errno.EOPNOTSUPP);
    }

    @Test
    void case15HugePagesOfAnIoasWithADomain() {
        n1();
        IommuOption get = IommuOption.get(IommuOption.HUGE_PAGES, ioas);
        assertThat(ctx.option(qemu, get)).isEqualTo(1);
        assertThat(ctx.option(qemu, IommuOption.set(IommuOption.HUGE_PAGES, ioas, 0))).isZero();
        assertThat(ctx.option(qemu, get)).isZero();
        assertErrno(
                () -> ctx.option(qemu, IommuOption.set(IommuOption.HUGE_PAGES, ioas, 2)),
                Errno.EINVAL);
        assertThat(ctx.option(qemu, IommuOption.set(IommuOption.HUGE_PAGES, ioas, 1))).isZero();
        assertThat(ctx.option(qemu, get)).isEqualTo(1);
    }

    @Test
    void case17MapWithADomainChargesTheUserAndPinnedVm() {
        n1();
        map(0x100000, 0x100000);
        // 1 MiB / 4 KiB = 256 pages, to the uid's locked_vm and pinned_vm, none to locked_vm.
        assertThat(counters()).containsExactly(0, 256, 256);
    }

    @Test
    void case19ByteGranularMapWithoutADomainIsLazy() {
        assertThat(map(0x1000, 0x1800)).isEqualTo(0x1000);
        assertThat(counters()).containsExactly(0, 0, 0);
        assertThat(ctx.ioasIovaRanges(ioas, 4).alignment()).isEqualTo(1);
    }

    @Test
    void case21And23UnknownFlagOrReservedIsEopnotsupp() {
        n1();
        long va = ram(0x1000);
        assertErrno(
                () -> ctx.ioasMap(qemu, new IoasMap(ioas, IoasMap.RW | 1 << 3, va, 0x1000, 0, 0)),
                Errno.EOPNOTSUPP);
        assertErrno(
                () ->
                        ctx.ioasMap(
                                qemu,
                                new IoasMap(
                                        ioas, IoasMap.RW | IoasMap.FIXED_IOVA, va, 0x1000, 0, 1)),
                Errno.EOPNOTSUPP);
    }

    @Test
    void case25And29IovaWrapsOrLeavesTheAperture() {
        n1();
        assertErrno(() -> map(-0x2000L, 0x4000), Errno.EOVERFLOW);
        assertErrno(() -> map(1L << 48, 0x1000), Errno.EINVAL);
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void case27OverlapIsEexistAndChargesNothing() {
        n1();
        map(MiB, MiB);
        assertErrno(() -> map(MiB + MiB / 2, MiB), Errno.EEXIST);
        assertThat(counters()).containsExactly(0, 256, 256);
    }

    @Test
    void case31UnbackedVaMapsLazilyAndAttachFailsEfault() {
        long unbacked = 0x6000_0000_0000L;
        ctx.ioasMap(qemu, IoasMap.fixed(ioas, unbacked, 0, 2 * MiB));
        int d1 = bind(ctx, 1);
        assertErrno(() -> ctx.attach(d1, ioas), Errno.EFAULT);
        assertThat(counters()).containsExactly(0, 0, 0);
        assertThat(ctx.state().details()).containsEntry("hwpts", 0L);
    }

    @Test
    void case33CapIpcLockChargesOnlyPinnedVm() {
        SimProcess locked = process(GiB, true, ProcessSpec.DEFAULT_UID);
        n1();
        long size = GiB + 4096;
        ctx.ioasMap(locked, IoasMap.fixed(ioas, ram(locked, size), 0, size));
        SimAddressSpace mm = locked.simAddressSpace().orElseThrow();
        // 1 GiB + 4 KiB = 262,145 pages: pinned_vm only (mode NONE).
        assertThat(new long[] {mm.lockedVm(), mm.pinnedVm(), locked.user().lockedVm()})
                .containsExactly(0, 262_145, 0);
    }

    @Test
    void case35AutomaticIovasAreDistinctAlignedAndNotZero() {
        n1();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            long iova = ctx.ioasMap(qemu, IoasMap.anywhere(ioas, ram(0x1000), 0x1000));
            assertThat(iova).isNotZero();
            assertThat(iova % 0x1000).isZero();
            assertThat(seen.add(iova)).isTrue();
        }
    }

    @Test
    void case47UnmapAllReportsTheTotalAndUncharges() {
        n1();
        map(0, MiB);
        map(4 * MiB, MiB);
        map(8 * MiB, MiB);
        assertThat(counters()).containsExactly(0, 768, 768);
        assertThat(ctx.ioasUnmap(ioas, 0, -1L)).isEqualTo(3 * MiB);
        assertThat(counters()).containsExactly(0, 0, 0);
        assertThat(ctx.ioasUnmap(ioas, 0, -1L)).isZero();
    }

    @Test
    void case45UnmapOfPartOfAnAreaIsEnoentAndLeavesIt() {
        n1();
        map(2 * MiB, 2 * MiB);
        assertErrno(() -> ctx.ioasUnmap(ioas, 2 * MiB + 4096, 4096), Errno.ENOENT);
        assertErrno(() -> ctx.ioasUnmap(ioas, 16 * MiB, 4096), Errno.ENOENT);
        assertThat(counters()).containsExactly(0, 512, 512);
        assertThat(ctx.ioasUnmap(ioas, 2 * MiB, 2 * MiB)).isEqualTo(2 * MiB);
    }

    @Test
    void case53And55UnmapArguments() {
        n1();
        assertErrno(() -> ctx.ioasUnmap(ioas, 0x1000, 0), Errno.EINVAL);
        assertErrno(() -> ctx.ioasUnmap(ioas, -1L, 1), Errno.EOVERFLOW);
    }

    @Test
    void case57And59IovaRangesWithoutADomain() {
        IovaRanges r = ctx.ioasIovaRanges(ioas, 16);
        assertThat(r.ranges()).containsExactly(new IovaRange(0, -1L));
        assertThat(r.alignment()).isEqualTo(1);
        assertErrno(() -> ctx.ioasIovaRanges(ioas, 0), Errno.EMSGSIZE);
    }

    @Test
    void case61IovaRangesWithD1() {
        n1();
        IovaRanges r = ctx.ioasIovaRanges(ioas, 16);
        assertThat(r.ranges())
                .containsExactly(
                        new IovaRange(0, 0xFEDF_FFFFL),
                        new IovaRange(0xFEF0_0000L, (1L << 48) - 1));
        assertThat(r.alignment()).isEqualTo(4096);
    }

    @Test
    void case65OverlappingAllowedRangesAreEinval() {
        assertErrno(
                () ->
                        ctx.ioasAllowIovas(
                                ioas,
                                List.of(
                                        new IovaRange(0x1000, 0x4fff),
                                        new IovaRange(0x3000, 0x8fff))),
                Errno.EINVAL);
    }

    @Test
    void case63And67AllowedListBlocksReservedRegionsAndGuidesAllocation() {
        ctx.ioasAllowIovas(ioas, List.of(new IovaRange(0xFE00_0000L, 0xFFFF_FFFFL)));
        int d1 = bind(ctx, 1);
        // D1's MSI window [0xFEE00000, 0xFEEFFFFF] meets the allowed range (R2).
        assertErrno(() -> ctx.attach(d1, ioas), Errno.EADDRINUSE);
        ctx.ioasAllowIovas(ioas, List.of(new IovaRange(0x4000_0000L, 0x4FFF_FFFFL)));
        ctx.attach(d1, ioas);
        for (int i = 0; i < 10; i++) {
            long iova = ctx.ioasMap(qemu, IoasMap.anywhere(ioas, ram(0x1000), 0x1000));
            assertThat(iova).isBetween(0x4000_0000L, 0x4FFF_FFFFL);
        }
    }

    @Test
    void case71CopyToAnotherIoasChargesNothingMore() {
        n1();
        map(0, 512 * MiB);
        int j = ctx.ioasAlloc(0);
        int d2 = bind(ctx, 2);
        ctx.attach(d2, j);
        assertThat(
                        ctx.ioasCopy(
                                qemu,
                                new IoasCopy(
                                        j, ioas, IoasMap.FIXED_IOVA | IoasMap.RW, 512 * MiB, 0, 0)))
                .isZero();
        assertThat(counters()).containsExactly(0, 131_072, 131_072);
        // The copy stays pinned when the source goes (P4).
        ctx.ioasUnmap(ioas, 0, 512 * MiB);
        assertThat(counters()).containsExactly(0, 131_072, 131_072);
        ctx.ioasUnmap(j, 0, 512 * MiB);
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void case75CopyFromAnUnknownIoasIsEnoent() {
        n1();
        assertErrno(
                () ->
                        ctx.ioasCopy(
                                qemu,
                                new IoasCopy(ioas, 99, IoasMap.FIXED_IOVA | IoasMap.RW, MiB, 0, 0)),
                Errno.ENOENT);
    }

    @Test
    void case81AttachOverTheLimitIsEnomemAndLeavesNothing() {
        SimProcess small = process(256 * MiB, false, 2000);
        ctx.ioasMap(small, IoasMap.fixed(ioas, ram(small, 512 * MiB), 0, 512 * MiB));
        int d1 = bind(ctx, 1);
        assertErrno(() -> ctx.attach(d1, ioas), Errno.ENOMEM);
        SimAddressSpace mm = small.simAddressSpace().orElseThrow();
        assertThat(new long[] {mm.lockedVm(), mm.pinnedVm(), small.user().lockedVm()})
                .containsExactly(0, 0, 0);
        assertThat(ctx.state().details()).containsEntry("hwpts", 0L);
    }

    @Test
    void case89DestroyOfAnIoasWithAHwptIsEbusy() {
        int d1 = n1();
        assertErrno(() -> ctx.destroy(ioas), Errno.EBUSY);
        ctx.detach(d1);
        ctx.destroy(ioas);
        assertErrno(() -> ctx.destroy(ioas), Errno.ENOENT);
    }

    @Test
    void case91And93AttachMeetingAnAreaIsEaddrinuse() {
        map(0xFEE0_0000L, 0x1000);
        int d1 = bind(ctx, 1);
        assertErrno(() -> ctx.attach(d1, ioas), Errno.EADDRINUSE);
        ctx.ioasUnmap(ioas, 0, -1L);
        map(0x1000, 0x800);
        assertErrno(() -> ctx.attach(d1, ioas), Errno.EADDRINUSE);
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    @Test
    void row23DetachOfTheLastDeviceUnpinsAndKeepsTheMappings() {
        int d1 = n1();
        map(0, 512 * MiB);
        assertThat(counters()).containsExactly(0, 131_072, 131_072);
        ctx.detach(d1);
        assertThat(counters()).containsExactly(0, 0, 0);
        assertThat(ctx.state().mappings()).isEqualTo(1);
        assertThat(ctx.state().details()).containsEntry("hwpts", 0L);
        ctx.attach(d1, ioas);
        assertThat(counters()).containsExactly(0, 131_072, 131_072);
    }

    @Test
    void row13TwoVmsOfOneUserShareOneBudget() {
        SimProcess vm1 = process(768 * MiB, false, 3000);
        SimProcess vm2 = process(768 * MiB, false, 3000);
        NativeIommuOps c2 = open();
        int i2 = c2.ioasAlloc(0);
        n1();
        int d2 = bind(c2, 2);
        c2.attach(d2, i2);
        ctx.ioasMap(vm1, IoasMap.fixed(ioas, ram(vm1, 512 * MiB), 0, 512 * MiB));
        // 131,072 + 131,072 = 262,144 > 196,608 (768 MiB / 4 KiB): the second VM is refused.
        assertErrno(
                () -> c2.ioasMap(vm2, IoasMap.fixed(i2, ram(vm2, 512 * MiB), 0, 512 * MiB)),
                Errno.ENOMEM);
        assertThat(vm1.user().lockedVm()).isEqualTo(131_072);
        assertThat(c2.state().mappings()).isZero();
    }

    @Test
    void closingTheContextUnchargesEverything() {
        n1();
        map(0, 4 * MiB);
        ctx.release();
        assertThat(counters()).containsExactly(0, 0, 0);
    }

    /** The process with CAP_SYS_RESOURCE (the simulated host grants it to nobody). */
    private static Task withCapSysResource(SimProcess p) {
        return new Task() {
            @Override
            public int pid() {
                return p.pid();
            }

            @Override
            public Optional<AddressSpace> addressSpace() {
                return p.addressSpace();
            }

            @Override
            public long memlockLimitBytes() {
                return p.memlockLimitBytes();
            }

            @Override
            public boolean capIpcLock() {
                return p.capIpcLock();
            }

            @Override
            public boolean capSysRawio() {
                return p.capSysRawio();
            }

            @Override
            public boolean capSysResource() {
                return true;
            }

            @Override
            public HostUser user() {
                return p.user();
            }

            @Override
            public boolean isAlive() {
                return p.isAlive();
            }
        };
    }

    @Test
    void case83RlimitModeOneChargesEachProcessLockedVm() {
        SimProcess vm1 = process(768 * MiB, false, 3000);
        SimProcess vm2 = process(768 * MiB, false, 3000);
        NativeIommuOps c1 = open();
        NativeIommuOps c2 = open();
        IommuOption mm = IommuOption.set(IommuOption.RLIMIT_MODE, 0, 1);
        assertErrno(
                () ->
                        c1.option(
                                withCapSysResource(vm1),
                                IommuOption.set(IommuOption.RLIMIT_MODE, 0, 2)),
                Errno.EINVAL);
        assertThat(c1.option(withCapSysResource(vm1), mm)).isZero();
        assertThat(c2.option(withCapSysResource(vm2), mm)).isZero();
        assertThat(c1.option(vm1, IommuOption.get(IommuOption.RLIMIT_MODE, 0))).isEqualTo(1);
        int i1 = c1.ioasAlloc(0);
        int i2 = c2.ioasAlloc(0);
        // A3: the mode may change only while the context holds no object.
        assertErrno(() -> c1.option(withCapSysResource(vm1), mm), Errno.EBUSY);
        c1.attach(bind(c1, 1), i1);
        c2.attach(bind(c2, 2), i2);
        c1.ioasMap(vm1, IoasMap.fixed(i1, ram(vm1, 512 * MiB), 0, 512 * MiB));
        c2.ioasMap(vm2, IoasMap.fixed(i2, ram(vm2, 512 * MiB), 0, 512 * MiB));
        // MM mode: 131,072 pages in each process's locked_vm (each under its 196,608), ulv 0.
        for (SimProcess vm : List.of(vm1, vm2)) {
            SimAddressSpace space = vm.simAddressSpace().orElseThrow();
            assertThat(new long[] {space.lockedVm(), space.pinnedVm()})
                    .containsExactly(131_072, 131_072);
        }
        assertThat(vm1.user().lockedVm()).isZero();
    }

    @Test
    void case97HwptAllocPinsAtOnceAndADestroyWithADeviceIsEbusy() {
        map(0, 4 * MiB);
        int d1 = bind(ctx, 1);
        int h = ctx.hwptAlloc(d1, ioas, NativeIommuOps.HWPT_NEST_PARENT);
        // D7: the first domain of I pins and charges every area with no device attached.
        assertThat(counters()).containsExactly(0, 1024, 1024);
        assertThat(ctx.attach(d1, h)).isEqualTo(h);
        assertErrno(() -> ctx.destroy(h), Errno.EBUSY);
        // A user HWPT keeps its pins when its last device leaves (row 23, native column).
        ctx.detach(d1);
        assertThat(counters()).containsExactly(0, 1024, 1024);
        ctx.destroy(h);
        assertThat(counters()).containsExactly(0, 0, 0);
        assertThat(ctx.state().mappings()).isEqualTo(1);
    }

    @Test
    void hwptAllocArgumentsAndCase99DirtyTrackingWithoutTheCapability() {
        int d1 = bind(ctx, 1);
        assertErrno(() -> ctx.hwptAlloc(d1, 77, 0), Errno.EINVAL);
        assertErrno(() -> ctx.hwptAlloc(77, ioas, 0), Errno.ENOENT);
        assertErrno(() -> ctx.hwptAlloc(d1, ioas, 1 << 2), Errno.EOPNOTSUPP);
        assertErrno(
                () -> ctx.hwptAlloc(d1, ioas, NativeIommuOps.HWPT_DIRTY_TRACKING),
                Errno.EOPNOTSUPP);
        assertThat(ctx.state().details()).containsEntry("hwpts", 0L);
    }

    @Test
    void attachOfADeviceWithoutDirtyTrackingToADirtyHwptIsEinval() {
        SimIommuGroup g =
                host.addIommuGroup(IommuGroupSpec.builder().id(1).dirtyTracking(true).build());
        int capable = ctx.bindDevice(g.devices().get(0), g);
        int h = ctx.hwptAlloc(capable, ioas, NativeIommuOps.HWPT_DIRTY_TRACKING);
        int d2 = bind(ctx, 2);
        assertErrno(() -> ctx.attach(d2, h), Errno.EINVAL);
    }

    @Test
    void case95ReplaceOntoANewIoasDestroysTheOldAutomaticHwpt() {
        int d1 = n1();
        int oldHwpt = ctx.attach(d1, ioas);
        int other = ctx.ioasAlloc(0);
        int newHwpt = ctx.attach(d1, other);
        assertThat(newHwpt).isNotEqualTo(oldHwpt);
        assertErrno(() -> ctx.attach(d1, oldHwpt), Errno.ENOENT);
        // The failed replace left the device where it was.
        assertThat(ctx.attach(d1, other)).isEqualTo(newHwpt);
    }

    @Test
    void case79AndD4TwoDevicesOfTwoGroupsShareOneAutomaticDomainAndPinsOnce() {
        int d1 = n1();
        map(0, 2 * MiB);
        int d2 = bind(ctx, 2);
        int h2 = ctx.attach(d2, ioas);
        assertThat(h2).isEqualTo(ctx.attach(d1, ioas));
        assertThat(counters()).containsExactly(0, 512, 512);
        ctx.detach(d2);
        assertThat(counters()).containsExactly(0, 512, 512);
        ctx.detach(d1);
        assertThat(counters()).containsExactly(0, 0, 0);
    }
}
