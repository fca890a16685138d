package io.vfio4j.type1;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.DirtyBitmapRequest;
import io.vfio4j.api.command.DirtyPages;
import java.util.Optional;

/**
 * VFIO_IOMMU_DIRTY_PAGES (docs/reference/type1-mdev.md §2.4) and the bitmap copy shared with
 * UNMAP_DMA. Pages an mdev pinned are always dirty; while an IOMMU-backed group has never pinned,
 * every page of an IOMMU-mapped mapping is (the device may write anywhere).
 */
final class DirtyTracker {
    /** The kernel's DIRTY_BITMAP_PAGES_MAX (INT_MAX) in bytes of bitmap: 256 MiB. */
    static final long DIRTY_BITMAP_SIZE_MAX = ((((long) Integer.MAX_VALUE) + 63) / 64) * 8;

    private final Type1State st;

    DirtyTracker(Type1State st) {
        this.st = st;
    }

    /** The kernel's {@code verify_bitmap_size} for a range of {@code rangeSize} bytes. */
    static void verifyBitmapSize(long rangeSize, DirtyBitmapRequest b) {
        if (b.pgsize() <= 0 || Long.bitCount(b.pgsize()) != 1) {
            throw VfioException.of(
                    Errno.EINVAL, "bitmap page size 0x%x is not a power of two", b.pgsize());
        }
        long npages = rangeSize >>> Long.numberOfTrailingZeros(b.pgsize());
        long need = ((npages + 63) / 64) * 8;
        if (npages == 0
                || b.size() == 0
                || Long.compareUnsigned(b.size(), DIRTY_BITMAP_SIZE_MAX) > 0
                || Long.compareUnsigned(b.size(), need) < 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "bitmap of %d bytes for %d pages (need %d, at most %d)",
                    b.size(),
                    npages,
                    need,
                    DIRTY_BITMAP_SIZE_MAX);
        }
    }

    /** Checks made before the lock. */
    static void checkArgs(boolean v2, Type1Era era, DirtyPages c) {
        if (!v2) {
            throw VfioException.of(Errno.EACCES, "DIRTY_PAGES needs a TYPE1v2 container");
        }
        int known = DirtyPages.START | DirtyPages.STOP | DirtyPages.GET_BITMAP;
        if (c.argsz() < DirtyPages.MIN_ARGSZ || (c.flags() & ~known) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "DIRTY_PAGES argsz %d flags 0x%x", c.argsz(), c.flags());
        }
        if (Integer.bitCount(c.flags()) != 1) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "DIRTY_PAGES flags 0x%x: exactly one operation is needed",
                    c.flags());
        }
        if (c.flags() == DirtyPages.GET_BITMAP) {
            if (c.argsz() < DirtyPages.MIN_ARGSZ_GET) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "DIRTY_PAGES GET_BITMAP argsz %d is below %d",
                        c.argsz(),
                        DirtyPages.MIN_ARGSZ_GET);
            }
            DirtyBitmapRequest b =
                    c.bitmap()
                            .orElseThrow(
                                    () ->
                                            VfioException.of(
                                                    Errno.EFAULT, "GET_BITMAP without a bitmap"));
            if (era.overflowIsEoverflow()) {
                // 6.18: size 0 first, then an inclusive end that wraps (a range ending at 2^64
                // is fine); before, iova + size wrapping, so also a range ending at 2^64, is
                // EINVAL.
                if (c.size() == 0) {
                    throw VfioException.of(Errno.EINVAL, "GET_BITMAP size 0");
                }
                if (Long.compareUnsigned(c.iova() + c.size() - 1, c.iova()) < 0) {
                    throw VfioException.of(
                            Errno.EOVERFLOW,
                            "GET_BITMAP iova 0x%x size 0x%x wraps past 2^64",
                            c.iova(),
                            c.size());
                }
            } else if (Long.compareUnsigned(c.iova() + c.size(), c.iova()) < 0) {
                throw VfioException.of(
                        Errno.EINVAL, "GET_BITMAP iova 0x%x size 0x%x wraps", c.iova(), c.size());
            }
            verifyBitmapSize(c.size(), b);
        }
    }

    DirtyPages.Result execute(DirtyPages c) {
        if (c.flags() == DirtyPages.START) {
            if (!st.dirtyTracking) {
                try {
                    for (DmaMapping d : st.dmas.all()) {
                        st.allocateDirtyBitmap(d);
                        st.populateDirtyFromPins(d);
                    }
                } catch (RuntimeException e) {
                    st.dmas.all().forEach(d -> d.dirty = null);
                    throw e;
                }
                st.dirtyTracking = true;
            }
            return new DirtyPages.Result(Optional.empty());
        }
        if (c.flags() == DirtyPages.STOP) {
            if (st.dirtyTracking) {
                st.dirtyTracking = false;
                st.dmas.all().forEach(d -> d.dirty = null);
            }
            return new DirtyPages.Result(Optional.empty());
        }
        return new DirtyPages.Result(Optional.of(getBitmap(c)));
    }

    private long[] getBitmap(DirtyPages c) {
        DirtyBitmapRequest b = c.bitmap().orElseThrow();
        long minpg = st.minPageSize();
        long iova = c.iova();
        long size = c.size();
        if (b.pgsize() != minpg) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "GET_BITMAP page size 0x%x is not the minimum 0x%x",
                    b.pgsize(),
                    minpg);
        }
        if ((iova & (minpg - 1)) != 0 || size == 0 || (size & (minpg - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "GET_BITMAP iova 0x%x size 0x%x: zero or not aligned to 0x%x",
                    iova,
                    size,
                    minpg);
        }
        if (!st.dirtyTracking) {
            throw VfioException.of(Errno.EINVAL, "GET_BITMAP while dirty tracking is off");
        }
        long end = iova + size - 1;
        DmaMapping head = st.dmas.containing(iova);
        DmaMapping tail = st.dmas.containing(end);
        if ((head != null && head.iova != iova) || (tail != null && tail.last() != end)) {
            throw VfioException.of(
                    Errno.EINVAL, "GET_BITMAP [0x%x, 0x%x] bisects a mapping", iova, end);
        }
        long[] out = new long[(int) ((b.size() + 7) / 8)];
        for (DmaMapping d : st.dmas.all()) {
            if (Long.compareUnsigned(d.iova, iova) < 0) {
                continue;
            }
            if (Long.compareUnsigned(d.iova, end) > 0) {
                break;
            }
            copyOut(st, d, iova, minpg, out);
            // Start over: only what is still pinned stays dirty.
            java.util.Arrays.fill(d.dirty, 0L);
            st.populateDirtyFromPins(d);
        }
        return out;
    }

    /** Copies a mapping's bits into a user bitmap that starts at {@code base}. */
    static void copyOut(Type1State st, DmaMapping d, long base, long pgsize, long[] out) {
        long nbits = d.size / pgsize;
        long offset = (d.iova - base) / pgsize;
        boolean all = st.domains.nonPinnedGroups() > 0 && d.iommuMapped;
        for (long b = 0; b < nbits; b++) {
            boolean set =
                    all || (d.dirty != null && (d.dirty[(int) (b >>> 6)] & (1L << (b & 63))) != 0);
            if (set) {
                long t = offset + b;
                int word = (int) (t >>> 6);
                if (word < out.length) {
                    out[word] |= 1L << (t & 63);
                }
            }
        }
    }
}
