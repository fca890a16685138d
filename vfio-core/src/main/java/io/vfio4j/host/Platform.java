package io.vfio4j.host;

import io.vfio4j.api.host.HostPlatform;

/** The simulated host architecture; it chooses defaults such as the page size. */
public enum Platform {
    /** x86-64: 4 KiB pages, Intel/AMD IOMMU. */
    X86(HostPlatform.X86_64),
    /** POWER (PowerNV/pSeries): 64 KiB pages by default, TCE-based IOMMU, EEH. */
    POWER(HostPlatform.PPC64),
    /** 64-bit Arm: 4 KiB pages by default, SMMU (type1). */
    AARCH64(HostPlatform.AARCH64);

    private final HostPlatform api;

    Platform(HostPlatform api) {
        this.api = api;
    }

    /** The platform as backends see it through {@link io.vfio4j.api.host.HostView}. */
    public HostPlatform hostPlatform() {
        return api;
    }
}
