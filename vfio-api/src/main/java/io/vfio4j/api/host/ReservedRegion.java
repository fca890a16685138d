package io.vfio4j.api.host;

import java.util.Objects;

/**
 * An IOVA range a group's IOMMU cannot use for DMA mappings (the kernel's {@code
 * iommu_resv_region}), such as the x86 MSI window at 0xFEE00000.
 */
public record ReservedRegion(IovaRange range, Type type) {
    /** The kernel's reserved-region types that matter to VFIO. */
    public enum Type {
        /** Software or hardware MSI doorbells; excluded from the valid IOVA ranges. */
        MSI,
        /** Must be identity-mapped; excluded. */
        DIRECT,
        /** Identity mapping that may be relaxed for device assignment; not excluded by type1. */
        DIRECT_RELAXABLE,
        /** Simply reserved; excluded. */
        RESERVED
    }

    public ReservedRegion {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(type, "type");
    }
}
