package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;

/**
 * TYPE1 (v1) emulation on the compat IOAS: before a range unmap, areas are cut at {@code iova - 1}
 * and {@code iova + size - 1} so the range unmap removes exactly the pages asked for
 * (io_pagetable.c {@code iopt_cut_iova}, {@code iopt_area_split}; docs/reference/iommufd.md §7 C9).
 * Each piece keeps the same pages; pins stay where they were. Guarded by the container's lock.
 */
final class HoleCutter {
    private final Ioas ioas;

    HoleCutter(Ioas ioas) {
        this.ioas = ioas;
    }

    /**
     * @throws VfioException EINVAL if a cut point is not page-aligned or falls in an area with
     *     access pins; nothing is cut then by that point
     */
    void cut(long iova, long size) {
        cutAfter(iova - 1);
        cutAfter(iova + size - 1);
    }

    /** Splits the area holding {@code end} so that a piece ends exactly at {@code end}. */
    private void cutAfter(long end) {
        Area a = ioas.areaAt(end);
        if (a == null || a.last() == end) {
            return;
        }
        long cut = end + 1;
        if (Long.remainderUnsigned(cut, ioas.pageSize) != 0) {
            throw VfioException.of(Errno.EINVAL, "cannot cut %s at unaligned 0x%x", a, cut);
        }
        if (a.hasAccessPins()) {
            throw VfioException.of(Errno.EINVAL, "cannot cut %s: it has access pins", a);
        }
        long left = cut - a.iova;
        Area low = new Area(a.iova, left, a.va, a.prot, a.pages);
        Area high = new Area(cut, a.length - left, a.va + left, a.prot, a.pages);
        low.filled = a.filled;
        high.filled = a.filled;
        a.pages.addArea();
        ioas.areas.put(low.iova, low);
        ioas.areas.put(high.iova, high);
    }
}
