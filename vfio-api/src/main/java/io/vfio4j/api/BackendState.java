package io.vfio4j.api;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a container's backend holds, for traces and summaries.
 *
 * @param mappings live DMA mappings (type1 {@code vfio_dma}s, SPAPR valid TCEs)
 * @param mappedBytes bytes they cover
 * @param dmaAvail mappings that can still be created, or -1 if the backend has no such budget
 * @param pinnedPages distinct pages pinned for devices (external pins)
 * @param pinReferences references held on those pages, over every device
 * @param details backend-specific counters, such as windows or registered regions
 */
public record BackendState(
        long mappings,
        long mappedBytes,
        long dmaAvail,
        long pinnedPages,
        long pinReferences,
        Map<String, Long> details) {
    public BackendState {
        details = Map.copyOf(Objects.requireNonNull(details, "details"));
    }

    /** Details sorted by name. */
    public Map<String, Long> sortedDetails() {
        return new TreeMap<>(details);
    }
}
