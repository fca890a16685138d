package io.vfio4j.api.command;

/**
 * {@code VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY} (SPAPR TCE v2): drop this container's reference on the
 * region registered with exactly {@code vaddr} and {@code size}.
 */
public record SpaprUnregisterMemory(int argsz, int flags, long vaddr, long size)
        implements VfioCommand<Void> {
    /** The size of the uAPI structure, the smallest {@code argsz} accepted. */
    public static final int MIN_ARGSZ = 24;

    /** A well-formed request. */
    public static SpaprUnregisterMemory of(long vaddr, long size) {
        return new SpaprUnregisterMemory(MIN_ARGSZ, 0, vaddr, size);
    }

    @Override
    public String ioctlName() {
        return "VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY";
    }
}
