package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_MAP_DMA} ({@code struct vfio_iommu_type1_dma_map}): map {@code size} bytes of
 * user memory at {@code vaddr} to {@code iova}. With {@link #VADDR} and no access flag it updates
 * the user address of an existing, invalidated mapping.
 */
public record MapDma(int argsz, int flags, long vaddr, long iova, long size)
        implements VfioCommand<Void> {
    public static final int READ = 1;
    public static final int WRITE = 1 << 1;
    public static final int VADDR = 1 << 2;

    /** The size of the uAPI structure, the smallest {@code argsz} accepted. */
    public static final int MIN_ARGSZ = 32;

    /** A well-formed request. */
    public static MapDma of(long vaddr, long iova, long size, int flags) {
        return new MapDma(MIN_ARGSZ, flags, vaddr, iova, size);
    }

    /** A read-write mapping. */
    public static MapDma rw(long vaddr, long iova, long size) {
        return of(vaddr, iova, size, READ | WRITE);
    }

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_MAP_DMA";
    }
}
