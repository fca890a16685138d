package io.vfio4j.api;

/** What stands behind a VFIO group, as the core tells a backend in {@code attachGroup}. */
public enum GroupKind {
    /** A real IOMMU group: the backend translates its DMA in a hardware domain. */
    IOMMU,
    /**
     * An emulated group with no hardware translation, such as a mediated device (vGPU): its vendor
     * driver pins pages through the backend instead.
     */
    EMULATED,
    /** A no-IOMMU group: DMA is untranslated and unsafe; requires {@code CAP_SYS_RAWIO}. */
    NO_IOMMU
}
