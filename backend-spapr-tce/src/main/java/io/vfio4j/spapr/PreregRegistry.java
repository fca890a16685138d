package io.vfio4j.spapr;

import io.vfio4j.api.host.AttachmentKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The preregistered regions of one address space (the kernel's {@code
 * mm->context.iommu_group_mem_list}), shared by every SPAPR container of the process through {@link
 * io.vfio4j.api.host.AddressSpace#attachment}. Regions never overlap. Its monitor guards the list
 * and every region's counters; take it after a container lock, never before.
 */
final class PreregRegistry {
    static final AttachmentKey<PreregRegistry> KEY =
            new AttachmentKey<>("spapr-tce preregistered memory", PreregRegistry.class);

    private static final PreregRegion[] NONE = {};

    /**
     * By start address, compared unsigned (addresses above 2^63 sort last): a sorted array, so the
     * per-MAP lookup is a binary search that boxes and allocates nothing. Registration is rare and
     * copies it.
     */
    private PreregRegion[] byUa = NONE;

    /** The region registered with exactly this start and size ({@code mm_iommu_get}). */
    synchronized PreregRegion findExact(long ua, long entries) {
        int i = floor(ua);
        PreregRegion r = i < 0 ? null : byUa[i];
        return r != null && r.ua() == ua && r.entries() == entries ? r : null;
    }

    /** The region that holds all of {@code [va, va + length)} ({@code mm_iommu_lookup}). */
    synchronized PreregRegion findContaining(long va, long length) {
        int i = floor(va);
        return i >= 0 && byUa[i].contains(va, length) ? byUa[i] : null;
    }

    /** True if any region overlaps {@code [va, va + length)}. */
    synchronized boolean overlaps(long va, long length) {
        int i = floor(va);
        if (i >= 0 && byUa[i].overlaps(va, length)) {
            return true;
        }
        return i + 1 < byUa.length && byUa[i + 1].overlaps(va, length);
    }

    /** Adds a region that overlaps none (the caller checked), replacing one at the same start. */
    synchronized void add(PreregRegion region) {
        int i = floor(region.ua());
        if (i >= 0 && byUa[i].ua() == region.ua()) {
            byUa = byUa.clone();
            byUa[i] = region;
            return;
        }
        PreregRegion[] next = new PreregRegion[byUa.length + 1];
        System.arraycopy(byUa, 0, next, 0, i + 1);
        next[i + 1] = region;
        System.arraycopy(byUa, i + 1, next, i + 2, byUa.length - i - 1);
        byUa = next;
    }

    /** Removes {@code region} if it is the one registered at its start. */
    synchronized void remove(PreregRegion region) {
        int i = floor(region.ua());
        if (i < 0 || byUa[i] != region) {
            return;
        }
        PreregRegion[] next = new PreregRegion[byUa.length - 1];
        System.arraycopy(byUa, 0, next, 0, i);
        System.arraycopy(byUa, i + 1, next, i, byUa.length - i - 1);
        byUa = next;
    }

    synchronized List<PreregRegion> regions() {
        return new ArrayList<>(Arrays.asList(byUa));
    }

    /** The index of the last region starting at or below {@code va} (unsigned), or -1. */
    private int floor(long va) {
        int lo = 0;
        int hi = byUa.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byUa[mid].ua(), va) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
