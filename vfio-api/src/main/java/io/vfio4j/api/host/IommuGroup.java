package io.vfio4j.api.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import java.util.List;
import java.util.Optional;

/**
 * A hardware IOMMU group: the smallest set of devices the IOMMU can isolate from the rest of the
 * system (the kernel's {@code struct iommu_group}). Devices of one group share one translation.
 */
public interface IommuGroup {
    /** The group number, as in {@code /dev/vfio/<id>}. */
    int id();

    /** The devices of the group (PCI addresses such as {@code 0000:01:00.0}). */
    List<String> devices();

    /** Ranges the group cannot use for DMA mappings, such as an MSI window. */
    List<ReservedRegion> reservedRegions();

    /** True if the group's IOMMU remaps interrupts (the kernel's {@code IOMMU_CAP_INTR_REMAP}). */
    boolean interruptRemapping();

    /**
     * Allocates a fresh, empty paging domain on this group's IOMMU (not yet attached).
     *
     * @throws VfioException ENOMEM if the allocation fails (also by fault injection)
     */
    IommuDomain allocateDomain();

    /**
     * Allocates a paging domain that can track DMA-dirty pages when {@code dirtyTracking} is set
     * (the kernel's {@code IOMMU_HWPT_ALLOC_DIRTY_TRACKING} domain flag; SPI 1.6); without it the
     * same as {@link #allocateDomain()}.
     *
     * @throws VfioException EOPNOTSUPP if dirty tracking is asked of an IOMMU without it ({@link
     *     #dirtyTracking()}); ENOMEM as {@link #allocateDomain()}
     */
    default IommuDomain allocateDomain(boolean dirtyTracking) {
        if (dirtyTracking) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP, "group %d: its IOMMU cannot track dirty pages", id());
        }
        return allocateDomain();
    }

    /** The domain the group is attached to now, if any. */
    Optional<IommuDomain> domain();

    /**
     * True if the group's IOMMU can track DMA-dirty pages in a domain ({@code
     * IOMMU_CAP_DIRTY_TRACKING}; SPI 1.5). Defaults to false: a host that does not say has none.
     */
    default boolean dirtyTracking() {
        return false;
    }

    /**
     * The POWER "table group" (partitionable endpoint) of the group, for TCE-based backends; empty
     * on platforms without TCE tables.
     */
    default Optional<TceTableGroup> tceTableGroup() {
        return Optional.empty();
    }
}
