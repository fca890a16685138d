package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.GiB;
import static io.vfio4j.iommufd.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.ioas.DirtyBitmap;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuDomain;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Native dirty tracking, docs/reference/iommufd.md §8 T1-T4: a HWPT allocated with DIRTY_TRACKING
 * on a device whose IOMMU tracks dirty pages (group 1), the device attached to it, device DMA
 * writes marking IOMMU pages as the hardware does, and the bitmap read back.
 */
class NativeDirtyTest {
    private static final long P = 4096;

    private final SimHost host = SimHost.builder().build();
    private final SimProcess qemu =
            host.spawnProcess(ProcessSpec.builder().name("qemu").memlockLimitBytes(GiB).build());
    private final NativeIommuOps ctx = open();
    private final int ioas = ctx.ioasAlloc(0);
    private final SimIommuGroup capable =
            host.addIommuGroup(IommuGroupSpec.builder().id(1).dirtyTracking(true).build());
    private final int d1 = ctx.bindDevice(capable.devices().get(0), capable);
    private long nextVa = 0x7f00_0000_0000L;

    private NativeIommuOps open() {
        return NativeContexts.open(host);
    }

    private void map(long iova, long size) {
        long va = nextVa;
        qemu.mmap(RegionSpec.anonymous(va, size));
        nextVa += GiB;
        ctx.ioasMap(qemu, IoasMap.fixed(ioas, va, iova, size));
    }

    /** A dirty-tracking HWPT on I with D1 attached to it. */
    private int dirtyHwpt() {
        int h = ctx.hwptAlloc(d1, ioas, NativeIommuOps.HWPT_DIRTY_TRACKING);
        assertThat(ctx.attach(d1, h)).isEqualTo(h);
        return h;
    }

    /** D1 writes {@code length} bytes at {@code iova} by DMA, translated as the device sees it. */
    private void dmaWrite(long iova, long length) {
        SimIommuDomain d = capable.simDomain().orElseThrow();
        for (long a = iova & -P; Long.compareUnsigned(a, iova + length - 1) <= 0; a += P) {
            assertThat(d.translate(a)).as("iova 0x%x translates", a).isNotNegative();
            assertThat(DmaProt.allows(d.protection(a), DmaProt.WRITE)).isTrue();
        }
        d.recordDmaWrite(iova, length);
    }

    private DirtyBitmap read(int h, long iova, long length, long pageSize, int flags) {
        return ctx.hwptGetDirtyBitmap(new HwptDirtyBitmap(h, flags, iova, length, pageSize, 0));
    }

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
    void t1DirtyHwptOnACapableIommuAndEopnotsuppOnAnother() {
        int h = ctx.hwptAlloc(d1, ioas, NativeIommuOps.HWPT_DIRTY_TRACKING);
        assertThat(h).isPositive();
        SimIommuGroup plain = host.addIommuGroup(IommuGroupSpec.of(2));
        int d2 = ctx.bindDevice(plain.devices().get(0), plain);
        assertErrno(
                () -> ctx.hwptAlloc(d2, ioas, NativeIommuOps.HWPT_DIRTY_TRACKING),
                Errno.EOPNOTSUPP);
        // T1: a device without the capability cannot join the dirty HWPT.
        assertErrno(() -> ctx.attach(d2, h), Errno.EINVAL);
        assertThat(ctx.attach(d1, h)).isEqualTo(h);
    }

    @Test
    void t2SetDirtyTrackingArguments() {
        int h = dirtyHwpt();
        assertErrno(() -> ctx.hwptSetDirtyTracking(h, 1 << 1), Errno.EOPNOTSUPP);
        assertErrno(() -> ctx.hwptSetDirtyTracking(77, 1), Errno.ENOENT);
        // An IOAS id or a device id is no paging HWPT.
        assertErrno(() -> ctx.hwptSetDirtyTracking(ioas, 1), Errno.ENOENT);
        assertErrno(() -> ctx.hwptSetDirtyTracking(d1, 1), Errno.ENOENT);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        ctx.hwptSetDirtyTracking(h, 0);
    }

    @Test
    void t2AHwptWithoutDirtyTrackingHasNoDirtyOps() {
        SimIommuGroup plain = host.addIommuGroup(IommuGroupSpec.of(2));
        int d2 = ctx.bindDevice(plain.devices().get(0), plain);
        int other = ctx.ioasAlloc(0);
        // An automatic HWPT is allocated without the flag, even on a capable IOMMU.
        int auto = ctx.attach(d1, other);
        assertErrno(() -> ctx.hwptSetDirtyTracking(auto, 1), Errno.EOPNOTSUPP);
        int user = ctx.hwptAlloc(d2, ioas, 0);
        assertErrno(() -> ctx.hwptSetDirtyTracking(user, 1), Errno.EOPNOTSUPP);
        assertErrno(() -> read(user, 0, 2 * MiB, P, 0), Errno.EOPNOTSUPP);
    }

    @Test
    void t3BitmapOfDeviceWritesClearedByARead() {
        int h = dirtyHwpt();
        map(0, 2 * MiB);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        dmaWrite(3 * P + 100, 8); // page 3
        dmaWrite(10 * P + 4000, 200); // pages 10 and 11: the write crosses a page boundary
        DirtyBitmap b = read(h, 0, 2 * MiB, P, 0);
        // 2 MiB / 4 KiB = 512 bits; set: 3, 10, 11 -> word 0 = 2^3 + 2^10 + 2^11 = 0xc08.
        assertThat(b.bits()).isEqualTo(512);
        assertThat(b.count()).isEqualTo(3);
        assertThat(b.words()).hasSize(8);
        assertThat(b.words()[0]).isEqualTo(0xc08L);
        assertThat(b.dirty())
                .containsExactly(
                        new IovaRange(3 * P, 4 * P - 1), new IovaRange(10 * P, 12 * P - 1));
        // The read cleared what it reported.
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isZero();
    }

    @Test
    void t3NoClearKeepsTheMarks() {
        int h = dirtyHwpt();
        map(0, 2 * MiB);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        dmaWrite(5 * P, P);
        assertThat(read(h, 0, 2 * MiB, P, HwptDirtyBitmap.NO_CLEAR).words()[0]).isEqualTo(1L << 5);
        assertThat(read(h, 0, 2 * MiB, P, HwptDirtyBitmap.NO_CLEAR).words()[0]).isEqualTo(1L << 5);
        assertThat(read(h, 0, 2 * MiB, P, 0).words()[0]).isEqualTo(1L << 5);
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isZero();
    }

    @Test
    void t3APageSizeAboveTheIommuPageSetsOneBitPerChunk() {
        int h = dirtyHwpt();
        map(0, 8 * MiB);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        dmaWrite(2 * MiB + 5 * P, 1); // in the second 2 MiB chunk
        dmaWrite(6 * MiB, 1); // the fourth
        DirtyBitmap b = read(h, 0, 8 * MiB, 2 * MiB, 0);
        // 8 MiB / 2 MiB = 4 bits; set: 1 and 3 -> 0b1010.
        assertThat(b.bits()).isEqualTo(4);
        assertThat(b.words()).containsExactly(0b1010L);
        // A read of a sub-range only clears that sub-range.
        dmaWrite(0, 1);
        dmaWrite(4 * MiB, 1);
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isEqualTo(1);
        assertThat(read(h, 0, 8 * MiB, 2 * MiB, 0).words()).containsExactly(0b0100L);
    }

    @Test
    void t2WritesAreMarkedOnlyWhileTrackingAndEnablingDropsStaleMarks() {
        int h = dirtyHwpt();
        map(0, 2 * MiB);
        dmaWrite(0, P);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        assertThat(read(h, 0, 2 * MiB, P, HwptDirtyBitmap.NO_CLEAR).count()).isZero();
        dmaWrite(P, P);
        ctx.hwptSetDirtyTracking(h, 0);
        // Stopped: nothing is reported (the driver refuses, the kernel drops its answer).
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isZero();
        dmaWrite(2 * P, P);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        // The mark taken before the stop is stale and was cleared by the enable.
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isZero();
    }

    @Test
    void t3ArgumentChecksInTheKernelsOrder() {
        int h = dirtyHwpt(); // the IOAS alignment is now 4 KiB
        map(0, 2 * MiB);
        assertErrno(() -> read(h, 0, 2 * MiB, P, 1 << 1), Errno.EOPNOTSUPP);
        assertErrno(
                () -> ctx.hwptGetDirtyBitmap(new HwptDirtyBitmap(h, 0, 0, 2 * MiB, P, 1)),
                Errno.EOPNOTSUPP);
        assertErrno(() -> read(77, 0, 2 * MiB, P, 0), Errno.ENOENT);
        assertErrno(() -> read(ioas, 0, 2 * MiB, P, 0), Errno.ENOENT);
        assertErrno(() -> read(h, -P, 2 * P, P, 0), Errno.EOVERFLOW);
        assertErrno(() -> read(h, P, 0, P, 0), Errno.EOVERFLOW);
        assertErrno(() -> read(h, 0x800, P, 0x800, 0), Errno.EINVAL); // IOAS alignment
        assertErrno(() -> read(h, 0, 2 * MiB, 0, 0), Errno.EINVAL); // case 163
        assertErrno(() -> read(h, P, 2 * MiB, 2 * MiB, 0), Errno.EINVAL); // page_size alignment
        assertErrno(() -> read(h, 0, 3 * P, 3 * P, 0), Errno.EINVAL); // IOMMUFD-14
    }

    @Test
    void t3TheWalkStopsAtTheFirstHoleAndStillSucceeds() {
        int h = dirtyHwpt();
        map(0, 2 * MiB);
        map(4 * MiB, 2 * MiB);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        dmaWrite(P, 1);
        dmaWrite(4 * MiB, 1);
        // [0, 8 MiB): area, hole at 2 MiB, area: only the first area is read.
        DirtyBitmap all = read(h, 0, 8 * MiB, P, 0);
        assertThat(all.dirty()).containsExactly(new IovaRange(P, 2 * P - 1));
        // A range starting in a hole reports nothing.
        assertThat(read(h, 2 * MiB, 6 * MiB, P, 0).count()).isZero();
        // The mark past the hole was neither reported nor cleared.
        assertThat(read(h, 4 * MiB, 2 * MiB, P, 0).dirty())
                .containsExactly(new IovaRange(4 * MiB, 4 * MiB + P - 1));
    }

    @Test
    void t3UnmapTakesTheMarksWithIt() {
        int h = dirtyHwpt();
        map(0, 2 * MiB);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        dmaWrite(0, 2 * MiB);
        ctx.ioasUnmap(ioas, 0, 2 * MiB);
        map(0, 2 * MiB);
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isZero();
    }

    @Test
    void t4TrackingChargesNothing() {
        int h = dirtyHwpt();
        map(0, 2 * MiB);
        // 2 MiB = 512 pages, to pinned_vm and the uid's locked_vm.
        assertThat(counters()).containsExactly(0, 512, 512);
        ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
        dmaWrite(0, 2 * MiB);
        assertThat(read(h, 0, 2 * MiB, P, 0).count()).isEqualTo(512);
        ctx.hwptSetDirtyTracking(h, 0);
        assertThat(counters()).containsExactly(0, 512, 512);
        assertThat(List.of(ctx.state().details().get("hwpts"))).containsExactly(1L);
    }
}
