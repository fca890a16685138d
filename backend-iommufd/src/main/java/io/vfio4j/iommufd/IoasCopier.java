package io.vfio4j.iommufd;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.ioas.IoasMap;
import java.util.ArrayList;
import java.util.List;

/**
 * IOMMU_IOAS_COPY (ioas.c {@code iommufd_ioas_copy}; io_pagetable.c {@code iopt_get_pages}, {@code
 * iopt_map_pages}): the source range must be covered by contiguous areas (else ENOENT); the
 * destination areas share the source's {@link IoptPages}, so a page already pinned is only held
 * again, never charged twice (docs/reference/iommufd.md §4.4 P1-P4, §3 A8).
 */
final class IoasCopier {
    private IoasCopier() {}

    /** P2: the areas covering [srcIova, srcIova + length - 1] with no hole, lowest first. */
    static List<Area> sourcePieces(Ioas src, long srcIova, long length) {
        if (length == 0) {
            throw VfioException.of(Errno.EINVAL, "IOAS_COPY length 0");
        }
        long last = srcIova + length - 1;
        if (Long.compareUnsigned(last, srcIova) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "src 0x%x + 0x%x wraps", srcIova, length);
        }
        List<Area> out = new ArrayList<>();
        long at = srcIova;
        while (true) {
            Area a = src.areaAt(at);
            if (a == null) {
                throw VfioException.of(Errno.ENOENT, "the source range has no mapping at 0x%x", at);
            }
            out.add(a);
            if (Long.compareUnsigned(a.last(), last) >= 0) {
                return out;
            }
            at = a.last() + 1;
        }
    }

    /** P3, P4: the destination checks of a map, then one new area per source piece. */
    static long insert(
            Ioas dst,
            List<Area> pieces,
            long srcIova,
            long dstIova,
            long length,
            int flags,
            int prot) {
        long align = dst.alignment();
        if (Long.remainderUnsigned(length, align) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "length 0x%x is not a multiple of 0x%x", length, align);
        }
        Area first = pieces.get(0);
        long firstVa = first.va + (srcIova - first.iova);
        long iova;
        if ((flags & IoasMap.FIXED_IOVA) != 0) {
            MapCore.checkFixed(dst, dstIova, length, align);
            iova = dstIova;
        } else {
            iova = MapCore.allocate(dst, firstVa, length, align);
        }
        for (Area a : pieces) {
            if ((prot & DmaProt.WRITE) != 0 && !a.pages.writable) {
                throw VfioException.of(Errno.EPERM, "WRITEABLE copy of read-only %s", a);
            }
        }
        long last = srcIova + length - 1;
        List<Area> made = new ArrayList<>();
        try {
            for (Area a : pieces) {
                long from = Long.compareUnsigned(a.iova, srcIova) < 0 ? srcIova : a.iova;
                long to = Long.compareUnsigned(a.last(), last) > 0 ? last : a.last();
                Area copy =
                        new Area(
                                iova + (from - srcIova),
                                to - from + 1,
                                a.va + (from - a.iova),
                                prot,
                                a.pages);
                dst.insert(copy);
                made.add(copy);
            }
        } catch (RuntimeException e) {
            for (Area m : made) {
                dst.remove(m);
            }
            throw e;
        }
        return iova;
    }
}
