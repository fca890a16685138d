package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compat IOAS (the kernel's {@code struct io_pagetable}, io_pagetable.c): the areas, the
 * domains (index 0 is the storage domain), the reserved IOVA ranges of the attached groups and the
 * alignment they impose (docs/reference/iommufd.md §1 O3, §4.2 M1, §5). With no domain, areas are
 * lazy: nothing pinned, nothing charged. Guarded by the container's lock.
 */
final class Ioas {
    private static final Logger LOG = LoggerFactory.getLogger(Ioas.class);

    final HostView host;
    final long pageSize;
    final VfioEventSink events;

    /**
     * Large pages disabled: TYPE1 (v1) in compat, so the compat unmap may punch holes (C6, C9);
     * IOMMU_OPTION(HUGE_PAGES) 0 in the native API (§4.6 H1, H2).
     */
    boolean largePagesDisabled;

    /** The allowed list of IOMMU_IOAS_ALLOW_IOVAS (§4.1 R4); empty: everything allowed. */
    List<IovaRange> allowed = List.of();

    final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
    final List<IommuDomain> domains = new ArrayList<>();
    private final Map<Integer, IommuDomain> domainOfGroup = new LinkedHashMap<>();
    private final Map<Integer, List<IovaRange>> groupReserved = new LinkedHashMap<>();

    /** Domains of user-made HWPTs: they stay with no group attached (§1 O6). */
    final java.util.Set<IommuDomain> userDomains = new java.util.HashSet<>();

    /** Accesses attached (emulated devices open): each needs pinning, so alignment is P. */
    int accesses;

    Ioas(HostView host, boolean largePagesDisabled, VfioEventSink events) {
        this.host = host;
        this.pageSize = host.pageSize();
        this.largePagesDisabled = largePagesDisabled;
        this.events = events;
    }

    /** {@code iopt_calculate_iova_alignment}: 1 with no domain and no access (M1). */
    long alignment() {
        long a = 1;
        for (IommuDomain d : domains) {
            a = Math.max(a, Long.lowestOneBit(d.pageSizeBitmap()));
        }
        if (largePagesDisabled || accesses > 0) {
            a = Math.max(a, pageSize);
        }
        return a;
    }

    /** The lowest area intersecting [start, last], or null. */
    Area firstIntersecting(long start, long last) {
        Map.Entry<Long, Area> below = areas.floorEntry(start);
        if (below != null && below.getValue().contains(start)) {
            return below.getValue();
        }
        Map.Entry<Long, Area> next = areas.ceilingEntry(start);
        if (next != null && Long.compareUnsigned(next.getKey(), last) <= 0) {
            return next.getValue();
        }
        return null;
    }

    /** The area holding {@code address}, or null. */
    Area areaAt(long address) {
        Map.Entry<Long, Area> e = areas.floorEntry(address);
        return e != null && e.getValue().contains(address) ? e.getValue() : null;
    }

    /** Every reserved range: outside each domain's aperture and the groups' reserved regions. */
    List<IovaRange> reserved() {
        List<IovaRange> out = new ArrayList<>();
        for (IommuDomain d : domains) {
            out.addAll(outsideAperture(d.aperture()));
        }
        groupReserved.values().forEach(out::addAll);
        return out;
    }

    private static List<IovaRange> outsideAperture(IovaRange aperture) {
        List<IovaRange> out = new ArrayList<>(2);
        if (aperture.start() != 0) {
            out.add(new IovaRange(0, aperture.start() - 1));
        }
        if (aperture.end() != -1L) {
            out.add(new IovaRange(aperture.end() + 1, -1L));
        }
        return out;
    }

    boolean isReserved(long start, long last) {
        IovaRange r = new IovaRange(start, last);
        return reserved().stream().anyMatch(r::overlaps);
    }

    /** The holes between reserved ranges over [0, 2^64 - 1] (IOVA_RANGES, GET_INFO; R3). */
    List<IovaRange> holes() {
        List<IovaRange> sorted = new ArrayList<>(reserved());
        sorted.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        List<IovaRange> out = new ArrayList<>();
        long next = 0;
        boolean done = false;
        for (IovaRange r : sorted) {
            if (Long.compareUnsigned(r.start(), next) > 0) {
                out.add(new IovaRange(next, r.start() - 1));
            }
            if (Long.compareUnsigned(r.end(), next) >= 0) {
                if (r.end() == -1L) {
                    done = true;
                    break;
                }
                next = r.end() + 1;
            }
        }
        if (!done) {
            out.add(new IovaRange(next, -1L));
        }
        return out;
    }

    /** Inserts an area and, when a domain exists, pins, charges and maps it (A5, A6). */
    void insert(Area area) {
        host.allocation("iopt_area");
        if (!domains.isEmpty()) {
            fill(area, domains);
        }
        area.pages.addArea();
        areas.put(area.iova, area);
    }

    /** Removes an area: unmaps it from every domain, releases its pins (A7). */
    void remove(Area area) {
        areas.remove(area.iova);
        if (area.filled) {
            for (IommuDomain d : domains) {
                d.unmap(area.iova, area.length / pageSize);
            }
            area.filled = false;
            area.pages.release(area.firstIndex(), area.lastIndex());
        }
        area.pages.removeArea();
    }

    /**
     * Holds the area's pages for the domains and maps them into {@code into}; undone on failure.
     */
    private void fill(Area area, List<IommuDomain> into) {
        area.pages.hold(area.firstIndex(), area.lastIndex());
        List<IommuDomain> done = new ArrayList<>();
        try {
            for (IommuDomain d : into) {
                mapInto(d, area);
                done.add(d);
            }
        } catch (RuntimeException e) {
            for (IommuDomain d : done) {
                d.unmap(area.iova, area.length / pageSize);
            }
            area.pages.release(area.firstIndex(), area.lastIndex());
            throw e;
        }
        area.filled = true;
    }

    /** Maps a held area into one domain, run by run of contiguous frames. */
    private void mapInto(IommuDomain d, Area area) {
        int first = area.firstIndex();
        int last = area.lastIndex();
        int k = first;
        try {
            while (k <= last) {
                int end = k;
                while (end < last && area.pages.pfn(end + 1) == area.pages.pfn(end) + 1) {
                    end++;
                }
                d.map(
                        area.iova + (long) (k - first) * pageSize,
                        area.pages.pfn(k),
                        end - k + 1L,
                        area.prot);
                k = end + 1;
            }
        } catch (RuntimeException e) {
            if (k > first) {
                d.unmap(area.iova, k - first);
            }
            throw e;
        }
    }

    /**
     * A hardware group joins (compat: its device is opened, D2 and D5): into an existing domain
     * that takes it, else a new domain, whose arrival fills every area when it is the first (D6).
     *
     * @throws VfioException EADDRINUSE if a reserved region or the new alignment meets an area;
     *     EINVAL for a domain whose smallest page is above P; EFAULT/ENOMEM from the fill
     */
    void attach(int groupId, IommuGroup hw) {
        List<IovaRange> resv = new ArrayList<>();
        for (ReservedRegion r : hw.reservedRegions()) {
            if (r.type() != ReservedRegion.Type.DIRECT_RELAXABLE) {
                resv.add(r.range());
            }
        }
        requireNoArea(resv, "a reserved region of group " + groupId);
        for (IommuDomain d : domains) {
            if (userDomains.contains(d)) {
                continue; // D2: user-made HWPTs are never chosen automatically
            }
            try {
                d.attach(hw);
            } catch (VfioException e) {
                if (e.errno() == Errno.EINVAL) {
                    continue;
                }
                throw e;
            }
            domainOfGroup.put(groupId, d);
            groupReserved.put(groupId, resv);
            return;
        }
        attachNewDomain(groupId, hw, resv);
    }

    /**
     * Attaches a group to exactly the domain {@code d} of this IOAS (an explicit HWPT id, §5 D3).
     *
     * @throws VfioException EADDRINUSE if a reserved region meets an area or the allowed list; the
     *     domain's refusal otherwise
     */
    void attachTo(int groupId, IommuGroup hw, IommuDomain d) {
        List<IovaRange> resv = new ArrayList<>();
        for (ReservedRegion r : hw.reservedRegions()) {
            if (r.type() != ReservedRegion.Type.DIRECT_RELAXABLE) {
                resv.add(r.range());
            }
        }
        requireNoArea(resv, "a reserved region of group " + groupId);
        d.attach(hw);
        domainOfGroup.put(groupId, d);
        groupReserved.put(groupId, resv);
    }

    /** The domain group {@code groupId} is attached to here, or null. */
    IommuDomain domainOf(int groupId) {
        return domainOfGroup.get(groupId);
    }

    private void attachNewDomain(int groupId, IommuGroup hw, List<IovaRange> resv) {
        host.allocation("iommufd_hwpt_paging");
        IommuDomain d = hw.allocateDomain();
        try {
            checkNewDomain(d);
            d.attach(hw);
        } catch (RuntimeException e) {
            d.free();
            throw e;
        }
        try {
            fillNewDomain(d);
        } catch (RuntimeException e) {
            d.detach(hw);
            d.free();
            throw e;
        }
        domains.add(d);
        domainOfGroup.put(groupId, d);
        groupReserved.put(groupId, resv);
        LOG.debug(
                "group {}: new domain of {}, {} domain(s), {} area(s)",
                groupId,
                d.driver(),
                domains.size(),
                areas.size());
    }

    /**
     * IOMMU_HWPT_ALLOC (§5 D7): a domain of {@code hw}'s IOMMU joins the IOAS with no group
     * attached; as the first domain it pins and charges every area at once, and it stays (pins
     * included) until {@link #removeDomain} however many groups come and go.
     */
    IommuDomain addUserDomain(IommuGroup hw, boolean dirtyTracking) {
        host.allocation("iommufd_hwpt_paging");
        IommuDomain d = hw.allocateDomain(dirtyTracking);
        try {
            checkNewDomain(d);
            fillNewDomain(d);
        } catch (RuntimeException e) {
            d.free();
            throw e;
        }
        domains.add(d);
        userDomains.add(d);
        return d;
    }

    /**
     * D5: smallest page above P EINVAL; a misaligned area or one outside the aperture EADDRINUSE.
     */
    private void checkNewDomain(IommuDomain d) {
        long smallest = Long.lowestOneBit(d.pageSizeBitmap());
        if (smallest > pageSize) {
            throw VfioException.of(
                    Errno.EINVAL, "the domain's smallest page 0x%x is above PAGE_SIZE", smallest);
        }
        long align = Math.max(alignment(), smallest);
        for (Area a : areas.values()) {
            if (a.iova % align != 0 || a.length % align != 0 || a.va % align != 0) {
                throw VfioException.of(
                        Errno.EADDRINUSE,
                        "%s is not aligned to 0x%x, the new domain's alignment",
                        a,
                        align);
            }
        }
        requireNoArea(outsideAperture(d.aperture()), "the new domain's aperture");
    }

    /** D6: the first domain pins and charges every area; a later one only maps them. */
    private void fillNewDomain(IommuDomain d) {
        boolean first = domains.isEmpty();
        List<Area> done = new ArrayList<>();
        try {
            for (Area a : areas.values()) {
                if (first) {
                    fill(a, List.of(d));
                } else {
                    mapInto(d, a);
                }
                done.add(a);
            }
        } catch (RuntimeException e) {
            for (Area a : done) {
                if (first) {
                    unfill(a, List.of(d));
                } else {
                    d.unmap(a.iova, a.length / pageSize);
                }
            }
            throw e;
        }
    }

    private void requireNoArea(List<IovaRange> ranges, String what) {
        for (IovaRange r : ranges) {
            Area a = firstIntersecting(r.start(), r.end());
            if (a != null) {
                throw VfioException.of(Errno.EADDRINUSE, "%s %s meets %s", what, r, a);
            }
            for (IovaRange allow : allowed) {
                if (allow.overlaps(r)) {
                    throw VfioException.of(
                            Errno.EADDRINUSE, "%s %s meets the allowed range %s", what, r, allow);
                }
            }
        }
    }

    private void unfill(Area a, List<IommuDomain> from) {
        for (IommuDomain d : from) {
            d.unmap(a.iova, a.length / pageSize);
        }
        a.filled = false;
        a.pages.release(a.firstIndex(), a.lastIndex());
    }

    /**
     * A hardware group leaves (compat: its device's last close, D9): the last group of a domain
     * frees it; the last domain leaving releases every area's pins, the areas stay (A7).
     */
    void detach(int groupId, IommuGroup hw) {
        IommuDomain d = domainOfGroup.remove(groupId);
        groupReserved.remove(groupId);
        if (d == null) {
            return;
        }
        d.detach(hw);
        if (!d.groups().isEmpty() || userDomains.contains(d)) {
            return;
        }
        LOG.debug("group {}: its domain goes", groupId);
        removeDomain(d);
    }

    /** A domain leaves the IOAS; the last one releases every area's pins, the areas stay (A7). */
    void removeDomain(IommuDomain d) {
        domains.remove(d);
        userDomains.remove(d);
        for (Area a : areas.values()) {
            if (domains.isEmpty() && a.filled) {
                unfill(a, List.of(d));
            } else {
                d.unmap(a.iova, a.length / pageSize);
            }
        }
        d.free();
    }

    boolean hasGroup(int groupId) {
        return domainOfGroup.containsKey(groupId);
    }

    /** True if every domain enforces cache coherency (or there is none): DMA_CC. */
    boolean cacheCoherent() {
        return domains.stream().allMatch(IommuDomain::enforceCacheCoherency);
    }

    /** The page sizes of GET_INFO: the AND of the domains', folded to P, at least the alignment. */
    long pageSizes() {
        long bitmap = -1L;
        for (IommuDomain d : domains) {
            bitmap &= d.pageSizeBitmap();
        }
        long belowPage = pageSize - 1;
        if ((bitmap & belowPage) != 0) {
            bitmap = (bitmap & ~belowPage) | pageSize;
        }
        return bitmap & ~(alignment() - 1);
    }

    long pinnedPages() {
        return areas.values().stream()
                .map(a -> a.pages)
                .distinct()
                .mapToLong(IoptPages::pinned)
                .sum();
    }
}
