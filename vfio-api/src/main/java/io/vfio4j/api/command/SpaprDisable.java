package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_DISABLE} (SPAPR TCE v1): undo {@link SpaprEnable}'s charge. Always succeeds;
 * the ioctl takes no argument structure.
 */
public record SpaprDisable() implements VfioCommand<Void> {
    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_DISABLE";
    }
}
