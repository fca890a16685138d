package io.vfio4j.api.ioas;

/**
 * {@code IOMMU_IOAS_COPY}: map into {@code dstIoasId} the pages that {@code srcIoasId} maps at
 * [srcIova, srcIova + length); the pages are shared, so nothing is pinned or charged twice. Flags
 * as {@link IoasMap}.
 */
public record IoasCopy(
        int dstIoasId, int srcIoasId, int flags, long length, long srcIova, long dstIova) {}
