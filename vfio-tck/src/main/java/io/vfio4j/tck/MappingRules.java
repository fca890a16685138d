package io.vfio4j.tck;

import io.vfio4j.api.Errno;
import java.util.Objects;

/**
 * Where a type1-compatible backend deliberately answers differently from type1 (the iommufd compat
 * container does; docs/reference/iommufd.md §9). The kit's type1 flows and its reference model take
 * these into account; {@link #TYPE1} is type1 itself.
 *
 * @param unmappedIova the errno of a pin or dma_rw through an IOVA no mapping covers (type1:
 *     EINVAL)
 * @param bisect the errno of a v2 unmap that bisects a mapping (type1: EINVAL)
 * @param partialUnmap true if an unmap refused for a mapping sticking out of the range keeps the
 *     removal of the mappings below it (the walk is not atomic); type1 checks first, removes
 *     nothing
 * @param holePunching true if a v1 unmap removes exactly the requested pages, cutting mappings
 *     (type1 v1 removes whole mappings that start inside the range)
 * @param exactRangeUnpin true if an unpin releases only a pin of exactly the same range per mapping
 *     and otherwise nothing (a kernel WARN); type1 drops one reference of each pinned page
 */
public record MappingRules(
        Errno unmappedIova,
        Errno bisect,
        boolean partialUnmap,
        boolean holePunching,
        boolean exactRangeUnpin) {
    /** The type1 rules. */
    public static final MappingRules TYPE1 =
            new MappingRules(Errno.EINVAL, Errno.EINVAL, false, false, false);

    public MappingRules {
        Objects.requireNonNull(unmappedIova, "unmappedIova");
        Objects.requireNonNull(bisect, "bisect");
    }
}
