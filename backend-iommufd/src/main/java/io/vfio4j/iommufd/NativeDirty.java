package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.ioas.DirtyBitmap;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.iommufd.NativeObjects.HwptObj;
import java.util.ArrayList;
import java.util.List;

/**
 * HWPT dirty tracking of a native context (hw_pagetable.c {@code iommufd_hwpt_set_dirty_tracking},
 * {@code iommufd_hwpt_get_dirty_bitmap}; io_pagetable.c {@code iopt_set_dirty_tracking}, {@code
 * iommufd_check_iova_range}, {@code iopt_read_and_clear_dirty_data}, Linux 6.17):
 * docs/reference/iommufd.md §8 T1-T4. The marks live in the IOMMU domain, set by device DMA writes;
 * nothing here touches a counter (T4). The caller holds the context's monitor.
 */
final class NativeDirty {
    private NativeDirty() {}

    /** T2. */
    static void setTracking(NativeObjects objects, int hwptId, int flags) {
        if ((flags & ~NativeIommuOps.DIRTY_TRACKING_ENABLE) != 0) {
            throw VfioException.of(Errno.EOPNOTSUPP, "SET_DIRTY_TRACKING flags 0x%x", flags);
        }
        HwptObj h = objects.get(hwptId, HwptObj.class, "a paging HWPT");
        requireDirtyOps(h, hwptId);
        h.domain.setDirtyTracking(flags != 0);
    }

    /** T3: the checks in the kernel's order, then the walk over contiguous areas. */
    static DirtyBitmap read(NativeObjects objects, HwptDirtyBitmap c) {
        if ((c.flags() & ~HwptDirtyBitmap.NO_CLEAR) != 0 || c.reserved() != 0) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP,
                    "GET_DIRTY_BITMAP flags 0x%x / __reserved %d",
                    c.flags(),
                    c.reserved());
        }
        HwptObj h = objects.get(c.hwptId(), HwptObj.class, "a paging HWPT");
        Ioas ioas = objects.ioas(h.ioasId);
        long last = checkRange(ioas.alignment(), c);
        requireDirtyOps(h, c.hwptId());
        boolean noClear = (c.flags() & HwptDirtyBitmap.NO_CLEAR) != 0;
        List<IovaRange> bits = new ArrayList<>();
        // The walk covers the areas contiguous from iova; at the first hole it stops, and the
        // kernel drops that walk's EINVAL (iova_bitmap_for_each's result is not looked at), so the
        // call succeeds with nothing reported past the hole (docs/deviations.md IOMMUFD-14).
        long cur = c.iova();
        while (true) {
            Area a = ioas.firstIntersecting(cur, last);
            if (a == null || !a.contains(cur)) {
                break;
            }
            long segLast = Long.compareUnsigned(a.last(), last) < 0 ? a.last() : last;
            for (IovaRange r : h.domain.readDirty(cur, segLast, noClear)) {
                addBits(bits, c.iova(), c.pageSize(), r);
            }
            if (segLast == last) {
                break;
            }
            cur = segLast + 1;
        }
        return new DirtyBitmap(c.iova(), c.length(), c.pageSize(), bits);
    }

    /** The domain's dirty ops exist only when the HWPT was allocated with DIRTY_TRACKING (T1). */
    private static void requireDirtyOps(HwptObj h, int hwptId) {
        if ((h.flags & NativeIommuOps.HWPT_DIRTY_TRACKING) == 0) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP, "HWPT %d was not allocated with DIRTY_TRACKING", hwptId);
        }
    }

    /** {@code iommufd_check_iova_range}; returns the last IOVA. */
    private static long checkRange(long alignment, HwptDirtyBitmap c) {
        long last = c.iova() + c.length() - 1;
        if (c.length() == 0 ? c.iova() != 0 : Long.compareUnsigned(last, c.iova()) < 0) {
            throw VfioException.of(
                    Errno.EOVERFLOW, "iova 0x%x + length 0x%x wraps", c.iova(), c.length());
        }
        long end = last + 1;
        if ((c.iova() & (alignment - 1)) != 0 || (end & (alignment - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "[0x%x, 0x%x] is not aligned to the IOAS alignment 0x%x",
                    c.iova(),
                    last,
                    alignment);
        }
        if (c.pageSize() == 0) {
            throw VfioException.of(Errno.EINVAL, "GET_DIRTY_BITMAP page_size 0");
        }
        long mask = c.pageSize() - 1;
        if ((c.iova() & mask) != 0 || (end & mask) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "[0x%x, 0x%x] is not aligned to page_size 0x%x",
                    c.iova(),
                    last,
                    c.pageSize());
        }
        if (Long.bitCount(c.pageSize()) != 1) {
            // The kernel's bitmap iterator shifts by the lowest set bit of page_size; a page_size
            // that is no power of two passes the mask checks only in odd cases, not modelled.
            throw VfioException.of(
                    Errno.EINVAL, "page_size 0x%x is not a power of two", c.pageSize());
        }
        return last;
    }

    /** Sets the bits of the page_size chunks that {@code run} touches, merging with the last. */
    private static void addBits(List<IovaRange> bits, long iova, long pageSize, IovaRange run) {
        long first = iova + Long.divideUnsigned(run.start() - iova, pageSize) * pageSize;
        long last = iova + (Long.divideUnsigned(run.end() - iova, pageSize) + 1) * pageSize - 1;
        if (!bits.isEmpty()) {
            IovaRange prev = bits.get(bits.size() - 1);
            if (Long.compareUnsigned(prev.end(), first - 1) >= 0) {
                bits.set(bits.size() - 1, new IovaRange(prev.start(), last));
                return;
            }
        }
        bits.add(new IovaRange(first, last));
    }
}
