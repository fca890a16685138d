package io.vfio4j.type1;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The valid IOVA ranges of a container (the kernel's {@code iova_list}): immutable, sorted,
 * disjoint. Empty means "no IOMMU group was ever attached": then any IOVA is accepted.
 */
record IovaRangeList(List<IovaRange> ranges) {
    static final IovaRangeList EMPTY = new IovaRangeList(List.of());

    IovaRangeList {
        ranges = List.copyOf(ranges);
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** True if the list is empty or [first, last] lies inside one range. */
    boolean allows(long first, long last) {
        if (ranges.isEmpty()) {
            return true;
        }
        IovaRange want = new IovaRange(first, last);
        for (IovaRange r : ranges) {
            if (r.contains(want)) {
                return true;
            }
        }
        return false;
    }

    /** The first address of the first range (the list must not be empty). */
    long lowest() {
        return ranges.get(0).start();
    }

    long highest() {
        return ranges.get(ranges.size() - 1).end();
    }

    /** The list clipped to the aperture (the kernel's {@code vfio_iommu_aper_resize}). */
    IovaRangeList resize(IovaRange aperture) {
        if (ranges.isEmpty()) {
            return new IovaRangeList(List.of(aperture));
        }
        List<IovaRange> out = new ArrayList<>();
        for (IovaRange r : ranges) {
            if (!r.overlaps(aperture)) {
                continue;
            }
            long s =
                    Long.compareUnsigned(r.start(), aperture.start()) < 0
                            ? aperture.start()
                            : r.start();
            long e = Long.compareUnsigned(r.end(), aperture.end()) > 0 ? aperture.end() : r.end();
            out.add(new IovaRange(s, e));
        }
        return new IovaRangeList(out);
    }

    /**
     * The list minus the reserved regions (except direct-relaxable ones), or empty if nothing is
     * left (the kernel's {@code vfio_iommu_resv_exclude} then fails with EINVAL).
     */
    Optional<IovaRangeList> exclude(Collection<ReservedRegion> regions) {
        List<IovaRange> cur = new ArrayList<>(ranges);
        for (ReservedRegion region : regions) {
            if (region.type() == ReservedRegion.Type.DIRECT_RELAXABLE) {
                continue;
            }
            IovaRange hole = region.range();
            List<IovaRange> next = new ArrayList<>();
            for (IovaRange r : cur) {
                if (!r.overlaps(hole)) {
                    next.add(r);
                    continue;
                }
                if (Long.compareUnsigned(r.start(), hole.start()) < 0) {
                    next.add(new IovaRange(r.start(), hole.start() - 1));
                }
                if (Long.compareUnsigned(r.end(), hole.end()) > 0) {
                    next.add(new IovaRange(hole.end() + 1, r.end()));
                }
            }
            cur = next;
        }
        return cur.isEmpty() ? Optional.empty() : Optional.of(new IovaRangeList(cur));
    }

    @Override
    public String toString() {
        return ranges.isEmpty() ? "(any)" : ranges.toString();
    }
}
