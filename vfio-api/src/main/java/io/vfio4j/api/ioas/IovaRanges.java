package io.vfio4j.api.ioas;

import io.vfio4j.api.host.IovaRange;
import java.util.List;

/**
 * The answer of {@code IOMMU_IOAS_IOVA_RANGES}: the usable IOVA ranges and the IOAS's alignment.
 */
public record IovaRanges(List<IovaRange> ranges, long alignment) {
    public IovaRanges {
        ranges = List.copyOf(ranges);
    }
}
