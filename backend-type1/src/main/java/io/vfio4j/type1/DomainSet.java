package io.vfio4j.type1;

import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The container's hardware domains and emulated groups, and what follows from them: the page-size
 * bitmap and the dirty-tracking scope. "An IOMMU-capable domain exists" ({@link #hasDomain()}) is
 * the single predicate behind every accounting decision.
 */
final class DomainSet {
    private final long pageSize;
    final List<Type1Domain> domains = new ArrayList<>();
    final Map<Integer, VfioGroupHandle> emulated = new LinkedHashMap<>();

    /** IOMMU-backed groups that have pinned through the pin interface (pinned_page_dirty_scope). */
    final Set<Integer> pinnedScope = new HashSet<>();

    private long pgsizeBitmap;

    DomainSet(long pageSize) {
        this.pageSize = pageSize;
        recomputePageSizes();
    }

    boolean hasDomain() {
        return !domains.isEmpty();
    }

    boolean hasEmulated() {
        return !emulated.isEmpty();
    }

    long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    /** The smallest page size of the container ({@code minpg}). */
    long minPageSize() {
        return Long.lowestOneBit(pgsizeBitmap);
    }

    /**
     * The AND of every domain's bitmap; sizes below the host page are hidden and the host page is
     * claimed instead (the kernel's {@code vfio_update_pgsize_bitmap}). PAGE_MASK with none.
     */
    void recomputePageSizes() {
        long bitmap = -1L;
        for (Type1Domain d : domains) {
            bitmap &= d.hw.pageSizeBitmap();
        }
        long pageMask = ~(pageSize - 1);
        if ((bitmap & ~pageMask) != 0) {
            bitmap = (bitmap & pageMask) | pageSize;
        }
        pgsizeBitmap = bitmap;
    }

    /** The domain holding IOMMU group {@code id}, or null. */
    Type1Domain domainOf(int groupId) {
        for (Type1Domain d : domains) {
            for (VfioGroupHandle g : d.groups) {
                if (g.id() == groupId) {
                    return d;
                }
            }
        }
        return null;
    }

    boolean isAttached(int groupId) {
        return emulated.containsKey(groupId) || domainOf(groupId) != null;
    }

    int iommuGroupCount() {
        int n = 0;
        for (Type1Domain d : domains) {
            n += d.groups.size();
        }
        return n;
    }

    /** IOMMU-backed groups that never pinned: while any exists, mapped pages count as dirty. */
    int nonPinnedGroups() {
        int n = 0;
        for (Type1Domain d : domains) {
            for (VfioGroupHandle g : d.groups) {
                if (!pinnedScope.contains(g.id())) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * A device of {@code groupId} pinned through the pin interface: an IOMMU-backed group now
     * reports its dirty pages precisely (emulated groups always do).
     */
    void markPinnedScope(int groupId) {
        if (domainOf(groupId) != null) {
            pinnedScope.add(groupId);
        }
    }

    /** 1 if every domain enforces cache coherency (also with none), else 0. */
    int enforcesCoherency() {
        for (Type1Domain d : domains) {
            if (!d.hw.enforceCacheCoherency()) {
                return 0;
            }
        }
        return 1;
    }

    /**
     * The valid ranges recomputed from the remaining domains after a detach (the kernel's {@code
     * vfio_iommu_aper_expand} then {@code vfio_iommu_resv_refresh}): the narrowest aperture (all of
     * the 64-bit space with no domain left) minus every remaining group's reserved regions. A list
     * that was empty stays empty; if the exclusion leaves nothing, the old list is kept. As in the
     * kernel, the outer bounds only widen when a domain was freed; otherwise they stay those of the
     * current list.
     */
    IovaRangeList refreshRanges(IovaRangeList current, boolean domainFreed) {
        if (current.isEmpty()) {
            return current;
        }
        long start = domainFreed ? 0 : current.lowest();
        long end = domainFreed ? -1L : current.highest();
        List<ReservedRegion> regions = new ArrayList<>();
        for (Type1Domain d : domains) {
            IovaRange ap = d.hw.aperture();
            if (domainFreed && Long.compareUnsigned(ap.start(), start) > 0) {
                start = ap.start();
            }
            if (domainFreed && Long.compareUnsigned(ap.end(), end) < 0) {
                end = ap.end();
            }
            for (VfioGroupHandle g : d.groups) {
                g.iommuGroup().ifPresent(ig -> regions.addAll(ig.reservedRegions()));
            }
        }
        if (Long.compareUnsigned(start, end) > 0) {
            return current;
        }
        return new IovaRangeList(List.of(new IovaRange(start, end)))
                .exclude(regions)
                .orElse(current);
    }
}
