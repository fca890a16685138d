package io.vfio4j.host;

/** The simulated host architecture; it chooses defaults such as the page size. */
public enum Platform {
    /** x86-64: 4 KiB pages, Intel/AMD IOMMU. */
    X86,
    /** POWER (PowerNV/pSeries): 64 KiB pages by default, TCE-based IOMMU, EEH. */
    POWER
}
