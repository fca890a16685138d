package io.vfio4j.api.host;

/**
 * The host architecture a backend runs on (SPI 1.1). It decides which built-in backend is the
 * default: the one whose {@link io.vfio4j.api.VfioIommuDriverProvider#platforms()} names it.
 */
public enum HostPlatform {
    /** x86-64: Intel VT-d or AMD-Vi, served by type1. */
    X86_64,
    /** 64-bit POWER (PowerNV or pSeries): TCE tables, served by SPAPR TCE. */
    PPC64,
    /** 64-bit Arm: SMMU, served by type1. */
    AARCH64
}
