package io.vfio4j.spapr;

import io.vfio4j.api.host.AttachmentKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The preregistered regions of one address space (the kernel's {@code
 * mm->context.iommu_group_mem_list}), shared by every SPAPR container of the process through {@link
 * io.vfio4j.api.host.AddressSpace#attachment}. Regions never overlap. Its monitor guards the list
 * and every region's counters; take it after a container lock, never before.
 */
final class PreregRegistry {
    static final AttachmentKey<PreregRegistry> KEY =
            new AttachmentKey<>("spapr-tce preregistered memory", PreregRegistry.class);

    /** By start address, compared unsigned (addresses above 2^63 sort last). */
    private final TreeMap<Long, PreregRegion> byUa = new TreeMap<>(Long::compareUnsigned);

    /** The region registered with exactly this start and size ({@code mm_iommu_get}). */
    synchronized PreregRegion findExact(long ua, long entries) {
        PreregRegion r = byUa.get(ua);
        return r != null && r.entries() == entries ? r : null;
    }

    /** The region that holds all of {@code [va, va + length)} ({@code mm_iommu_lookup}). */
    synchronized PreregRegion findContaining(long va, long length) {
        Map.Entry<Long, PreregRegion> e = byUa.floorEntry(va);
        return e != null && e.getValue().contains(va, length) ? e.getValue() : null;
    }

    /** True if any region overlaps {@code [va, va + length)}. */
    synchronized boolean overlaps(long va, long length) {
        Map.Entry<Long, PreregRegion> below = byUa.floorEntry(va);
        if (below != null && below.getValue().overlaps(va, length)) {
            return true;
        }
        Map.Entry<Long, PreregRegion> above = byUa.higherEntry(va);
        return above != null && above.getValue().overlaps(va, length);
    }

    synchronized void add(PreregRegion region) {
        byUa.put(region.ua(), region);
    }

    synchronized void remove(PreregRegion region) {
        byUa.remove(region.ua(), region);
    }

    synchronized List<PreregRegion> regions() {
        return new ArrayList<>(byUa.values());
    }
}
