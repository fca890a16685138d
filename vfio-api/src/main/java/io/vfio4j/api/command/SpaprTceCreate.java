package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_SPAPR_TCE_CREATE} ({@code struct vfio_iommu_spapr_tce_create}, SPAPR TCE v2):
 * create a dynamic DMA window of {@code windowSize} bytes with IOMMU pages of {@code 1 <<
 * pageShift} bytes in a table of {@code levels} levels. The result is {@code start_addr}, the bus
 * address the platform placed the window at (userspace cannot choose it). The reserved words of the
 * structure are ignored by the kernel and are not modelled.
 */
public record SpaprTceCreate(int argsz, int flags, int pageShift, long windowSize, int levels)
        implements VfioCommand<Long> {
    /** The size of the uAPI structure including {@code start_addr}: the smallest accepted. */
    public static final int MIN_ARGSZ = 40;

    /** A well-formed request. */
    public static SpaprTceCreate of(int pageShift, long windowSize, int levels) {
        return new SpaprTceCreate(MIN_ARGSZ, 0, pageShift, windowSize, levels);
    }

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_SPAPR_TCE_CREATE";
    }
}
