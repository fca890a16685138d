package io.vfio4j.tck;

import io.vfio4j.api.Errno;
import java.util.Set;

/**
 * What a backend configuration (provider, IOMMU type, settings) can do. A conformance test declares
 * its capabilities; every suite then tests each capability either way: a declared one for its
 * behaviour, an undeclared one for its refusal (the exact errno, nothing pinned or counted).
 * Nothing is skipped silently.
 *
 * <p>Type1-style backends map with {@link #TYPE1_MAPPING}; SPAPR-style backends map through {@link
 * #MEMORY_REGISTRATION} or {@link #ENABLE_DISABLE} and a TCE window ({@link #DMA_WINDOWS}). The
 * generic suites choose their flows from these.
 */
public enum BackendCapability {
    /** Hardware IOMMU groups ({@code GroupKind.IOMMU}) may join a container. */
    GROUP_IOMMU(Errno.EINVAL),
    /** Emulated groups (mediated devices) may join a container. */
    GROUP_EMULATED(Errno.EINVAL),
    /** No-IOMMU groups may join a container. */
    GROUP_NO_IOMMU(Errno.EINVAL),
    /** A container holds more than one group (SPAPR TCE v1 holds one: EBUSY). */
    MULTI_GROUP(Errno.EBUSY),
    /** {@code VFIO_IOMMU_MAP_DMA} and {@code VFIO_IOMMU_UNMAP_DMA} of any flavour. */
    DMA_MAPPING(Errno.ENOTTY),
    /**
     * Type1 mapping records: one record per MAP (EEXIST on overlap, never merged), the unmapped
     * size reported back, pages charged per mapping while an IOMMU domain exists, otherwise per
     * distinct externally pinned page (docs/reference/type1-mdev.md §4.3).
     */
    TYPE1_MAPPING(Errno.ENOTTY, DMA_MAPPING),
    /** An unmap may not bisect a mapping: EINVAL (type1 v2). Without it, v1 rules apply. */
    V2_UNMAP_SEMANTICS(Errno.EINVAL, TYPE1_MAPPING),
    /** {@code VFIO_IOMMU_GET_INFO}: page sizes and capability chain. */
    IOMMU_INFO(Errno.ENOTTY),
    /** {@code VFIO_IOMMU_DIRTY_PAGES} (type1 v2). */
    DIRTY_TRACKING(Errno.ENOTTY, TYPE1_MAPPING),
    /** Vendor drivers pin and unpin pages of a mapping ({@code vfio_pin_pages}). */
    EXTERNAL_PINNING(Errno.ENOTTY, DMA_MAPPING, GROUP_EMULATED),
    /** Unmapping a range with pins tells the pinning devices first ({@code dma_unmap}). */
    DMA_UNMAP_NOTIFICATION(Errno.ENOTTY, EXTERNAL_PINNING),
    /** Devices copy through an IOVA without pinning ({@code vfio_dma_rw}). */
    DMA_RW(Errno.ENOTTY, DMA_MAPPING, GROUP_EMULATED),
    /** {@code VFIO_IOMMU_ENABLE}/{@code DISABLE} before mapping (SPAPR TCE v1). */
    ENABLE_DISABLE(Errno.ENOTTY, DMA_MAPPING),
    /** {@code VFIO_IOMMU_SPAPR_REGISTER_MEMORY}/{@code UNREGISTER_MEMORY} (SPAPR TCE v2). */
    MEMORY_REGISTRATION(Errno.ENOTTY, DMA_MAPPING),
    /** {@code VFIO_IOMMU_SPAPR_TCE_CREATE}/{@code REMOVE}: dynamic DMA windows (SPAPR TCE v2). */
    DMA_WINDOWS(Errno.ENOTTY, DMA_MAPPING);

    private final Errno defaultRefusal;
    private final Set<BackendCapability> requires;

    BackendCapability(Errno defaultRefusal, BackendCapability... requires) {
        this.defaultRefusal = defaultRefusal;
        // Not an EnumSet: the enum is not initialized yet while its constants are built.
        this.requires = Set.of(requires);
    }

    /** The capabilities this one needs (directly). */
    public Set<BackendCapability> requires() {
        return requires;
    }

    /**
     * The errno a backend without this capability answers, unless its test says otherwise (e.g.
     * type1 v1 refuses pinning and dirty tracking with EACCES).
     */
    public Errno defaultRefusal() {
        return defaultRefusal;
    }
}
