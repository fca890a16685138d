package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_SPAPR_TCE_GET_INFO} ({@code struct vfio_iommu_spapr_tce_info}): the default
 * 32-bit DMA window of the container's first group and, for a v2 container on a platform with
 * dynamic DMA windows, the DDW capabilities.
 */
public record SpaprTceGetInfo(int argsz) implements VfioCommand<SpaprTceGetInfo.Info> {
    /** {@code VFIO_IOMMU_SPAPR_INFO_DDW}: the {@code ddw} fields are valid. */
    public static final int FLAG_DDW = 1;

    /** The structure up to {@code dma32_window_size}: the smallest {@code argsz} accepted. */
    public static final int MIN_ARGSZ = 16;

    /** The whole structure with the {@code ddw} part; the kernel copies it back only then. */
    public static final int FULL_ARGSZ = 32;

    /** A request for the whole structure. */
    public static SpaprTceGetInfo full() {
        return new SpaprTceGetInfo(FULL_ARGSZ);
    }

    /**
     * What the kernel copies back. When the caller's {@code argsz} was below {@link #FULL_ARGSZ}
     * only the first 16 bytes (argsz, flags, the dma32 window) are written, so the {@code ddw}
     * fields read as 0. The dma32 fields are 32-bit in the uAPI.
     *
     * @param flags {@link #FLAG_DDW} or 0
     * @param dma32WindowStart bus address of the default window
     * @param dma32WindowSize its size in bytes
     * @param pageSizes {@code ddw.pgsizes}: bit n set = IOMMU pages of 2^n bytes
     * @param maxDynamicWindows {@code ddw.max_dynamic_windows_supported}
     * @param levels {@code ddw.levels}: the most table levels a window may have
     */
    public record Info(
            int flags,
            long dma32WindowStart,
            long dma32WindowSize,
            long pageSizes,
            int maxDynamicWindows,
            int levels) {}

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_SPAPR_TCE_GET_INFO";
    }
}
