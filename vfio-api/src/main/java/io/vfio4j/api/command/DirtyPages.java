package io.vfio4j.api.command;

import java.util.Optional;

/**
 * {@code VFIO_IOMMU_DIRTY_PAGES}: start or stop dirty tracking, or read the bitmap of a range.
 * {@code iova}, {@code size} and {@code bitmap} matter only for {@link #GET_BITMAP}.
 */
public record DirtyPages(
        int argsz, int flags, long iova, long size, Optional<DirtyBitmapRequest> bitmap)
        implements VfioCommand<DirtyPages.Result> {
    public static final int START = 1;
    public static final int STOP = 1 << 1;
    public static final int GET_BITMAP = 1 << 2;

    /** {@code struct vfio_iommu_type1_dirty_bitmap}. */
    public static final int MIN_ARGSZ = 8;

    /**
     * With GET_BITMAP {@code struct vfio_iommu_type1_dirty_bitmap_get} follows: iova 8, size 8 and
     * {@code struct vfio_bitmap} 24 (pgsize, size, data), so 8 + 40 bytes. Real kernels refuse 40
     * (measured on 6.1, 6.12 and 7.2).
     */
    public static final int MIN_ARGSZ_GET = 48;

    public DirtyPages {
        bitmap = bitmap == null ? Optional.empty() : bitmap;
    }

    public static DirtyPages start() {
        return new DirtyPages(MIN_ARGSZ, START, 0, 0, Optional.empty());
    }

    public static DirtyPages stop() {
        return new DirtyPages(MIN_ARGSZ, STOP, 0, 0, Optional.empty());
    }

    public static DirtyPages getBitmap(long iova, long size, long pgsize) {
        long pages = pgsize == 0 ? 0 : size / pgsize;
        long bytes = ((pages + 63) / 64) * 8;
        return new DirtyPages(
                MIN_ARGSZ_GET,
                GET_BITMAP,
                iova,
                size,
                Optional.of(new DirtyBitmapRequest(pgsize, bytes)));
    }

    /** The bitmap, present for GET_BITMAP: one bit per {@code pgsize} page from {@code iova}. */
    public record Result(Optional<long[]> bitmap) {}

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_DIRTY_PAGES";
    }
}
