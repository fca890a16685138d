package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_ENABLE} (SPAPR TCE v1): start using the container's DMA window; the whole
 * default window is charged to {@code locked_vm} here. The ioctl takes no argument structure.
 */
public record SpaprEnable() implements VfioCommand<Void> {
    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_ENABLE";
    }
}
