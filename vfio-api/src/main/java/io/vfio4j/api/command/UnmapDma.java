package io.vfio4j.api.command;

import java.util.Optional;

/**
 * {@code VFIO_IOMMU_UNMAP_DMA} ({@code struct vfio_iommu_type1_dma_unmap}). The result carries the
 * number of bytes actually unmapped (the kernel writes it back into {@code size}) and, with {@link
 * #GET_DIRTY_BITMAP}, the dirty bitmap of the unmapped range.
 *
 * @param bitmap the {@code struct vfio_bitmap} that follows the structure when {@link
 *     #GET_DIRTY_BITMAP} is set; empty otherwise
 */
public record UnmapDma(
        int argsz, int flags, long iova, long size, Optional<DirtyBitmapRequest> bitmap)
        implements VfioCommand<UnmapDma.Result> {
    public static final int GET_DIRTY_BITMAP = 1;
    public static final int ALL = 1 << 1;
    public static final int VADDR = 1 << 2;

    public static final int MIN_ARGSZ = 24;

    /** {@code argsz} needed with {@link #GET_DIRTY_BITMAP}: the structure plus a vfio_bitmap. */
    public static final int MIN_ARGSZ_WITH_BITMAP = 48;

    public UnmapDma {
        bitmap = bitmap == null ? Optional.empty() : bitmap;
    }

    public static UnmapDma of(long iova, long size) {
        return new UnmapDma(MIN_ARGSZ, 0, iova, size, Optional.empty());
    }

    public static UnmapDma of(long iova, long size, int flags) {
        return new UnmapDma(MIN_ARGSZ, flags, iova, size, Optional.empty());
    }

    /** {@code VFIO_DMA_UNMAP_FLAG_ALL}: iova and size 0. */
    public static UnmapDma all() {
        return of(0, 0, ALL);
    }

    /**
     * @param unmappedBytes bytes removed (or, with VADDR, invalidated)
     * @param dirtyBitmap one bit per page of {@code bitmap.pgsize()} from {@code iova}, when asked
     */
    public record Result(long unmappedBytes, Optional<long[]> dirtyBitmap) {}

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_UNMAP_DMA";
    }
}
