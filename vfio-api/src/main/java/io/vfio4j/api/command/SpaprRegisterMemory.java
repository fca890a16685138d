package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_SPAPR_REGISTER_MEMORY} ({@code struct vfio_iommu_spapr_register_memory}, SPAPR
 * TCE v2): preregister (pin and charge) {@code size} bytes of user memory at {@code vaddr} so that
 * later MAP_DMA calls can translate through it.
 */
public record SpaprRegisterMemory(int argsz, int flags, long vaddr, long size)
        implements VfioCommand<Void> {
    /** The size of the uAPI structure, the smallest {@code argsz} accepted. */
    public static final int MIN_ARGSZ = 24;

    /** A well-formed request. */
    public static SpaprRegisterMemory of(long vaddr, long size) {
        return new SpaprRegisterMemory(MIN_ARGSZ, 0, vaddr, size);
    }

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_SPAPR_REGISTER_MEMORY";
    }
}
