package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_SPAPR_TCE_REMOVE} ({@code struct vfio_iommu_spapr_tce_remove}, SPAPR TCE v2):
 * remove the DMA window that contains bus address {@code startAddr}.
 */
public record SpaprTceRemove(int argsz, int flags, long startAddr) implements VfioCommand<Void> {
    /** The size of the uAPI structure, the smallest {@code argsz} accepted. */
    public static final int MIN_ARGSZ = 16;

    /** A well-formed request. */
    public static SpaprTceRemove of(long startAddr) {
        return new SpaprTceRemove(MIN_ARGSZ, 0, startAddr);
    }

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_SPAPR_TCE_REMOVE";
    }
}
