package io.vfio4j.api.command;

/**
 * {@code VFIO_CHECK_EXTENSION}: 1 (or another positive value) if the container's backend supports
 * {@code extension}, 0 if not. Never fails.
 */
public record CheckExtension(long extension) implements VfioCommand<Integer> {
    /** Type1 extensions beyond the IOMMU types (include/uapi/linux/vfio.h). */
    public static final long DMA_CC = 4;

    public static final long EEH = 5;
    public static final long TYPE1_NESTING = 6;
    public static final long UNMAP_ALL = 9;
    public static final long UPDATE_VADDR = 10;

    @Override
    public String ioctlName() {
        return "VFIO_CHECK_EXTENSION";
    }
}
