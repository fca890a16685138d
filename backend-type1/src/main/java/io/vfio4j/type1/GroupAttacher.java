package io.vfio4j.type1;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * attach_group and detach_group (docs/reference/type1-mdev.md §2.8, §4.4, §4.5): domains, valid
 * IOVA ranges, page sizes, replay into the first domain and re-accounting when the last one leaves.
 * Every failed attach unwinds completely. Runs under the container lock.
 */
final class GroupAttacher {
    private static final Logger LOG = LoggerFactory.getLogger(GroupAttacher.class);

    private final Type1State st;
    private final ExternalPins pins;

    GroupAttacher(Type1State st, ExternalPins pins) {
        this.st = st;
        this.pins = pins;
    }

    void attach(VfioGroupHandle group) {
        if (st.vaddrInvalidCount > 0) {
            throw VfioException.of(
                    Errno.EBUSY,
                    "%s: attach refused while %d mapping(s) have an invalid vaddr",
                    group.describe(),
                    st.vaddrInvalidCount);
        }
        if (st.domains.isAttached(group.id())) {
            throw VfioException.of(
                    Errno.EINVAL, "%s is already attached to this container", group.describe());
        }
        if (group.kind() == GroupKind.NO_IOMMU) {
            throw VfioException.of(
                    Errno.EINVAL, "%s: type1 does not drive no-IOMMU groups", group.describe());
        }
        st.host.allocation("vfio_iommu_group");
        if (group.kind() == GroupKind.EMULATED) {
            // No accounting change: pins of its devices are charged as they come
            // (docs/reference/type1-mdev.md §4.3).
            st.domains.emulated.put(group.id(), group);
            return;
        }
        IommuGroup hwGroup =
                group.iommuGroup()
                        .orElseThrow(
                                () ->
                                        VfioException.of(
                                                Errno.EINVAL,
                                                "%s has no hardware IOMMU group",
                                                group.describe()));
        attachIommu(group, hwGroup);
    }

    private void attachIommu(VfioGroupHandle group, IommuGroup hwGroup) {
        st.host.allocation("vfio_domain");
        IommuDomain hw = hwGroup.allocateDomain();
        try {
            hw.attach(hwGroup);
        } catch (RuntimeException e) {
            hw.free();
            throw e;
        }
        Type1Domain joined;
        IovaRangeList newList;
        try {
            newList = checkRanges(group, hwGroup, hw);
            if (!st.settings.allowUnsafeInterrupts() && !hwGroup.interruptRemapping()) {
                LOG.warn(
                        "{}: no interrupt remapping support; use allow-unsafe-interrupts to accept it",
                        group.describe());
                throw VfioException.of(
                        Errno.EPERM,
                        "%s: the IOMMU does not remap interrupts (allow-unsafe-interrupts is off)",
                        group.describe());
            }
            joined = joinCompatible(hwGroup, hw);
        } catch (RuntimeException e) {
            detachQuietly(hw, hwGroup);
            hw.free();
            throw e;
        }
        if (joined != null) {
            hw.free();
            joined.groups.add(group);
            st.iovaList = newList;
            return;
        }
        Type1Domain domain = new Type1Domain(hw);
        try {
            replay(domain);
        } catch (RuntimeException e) {
            detachQuietly(hw, hwGroup);
            hw.free();
            throw e;
        }
        domain.groups.add(group);
        st.domains.domains.add(domain);
        st.domains.recomputePageSizes();
        st.iovaList = newList;
    }

    private static void detachQuietly(IommuDomain hw, IommuGroup g) {
        if (hw.groups().contains(g)) {
            hw.detach(g);
        }
    }

    /**
     * The aperture and reserved-region checks, in the kernel's order; returns the range list the
     * container will have once the group is in.
     */
    private IovaRangeList checkRanges(VfioGroupHandle group, IommuGroup hwGroup, IommuDomain hw) {
        IovaRange ap = hw.aperture();
        IovaRangeList cur = st.iovaList;
        if (!cur.isEmpty()) {
            boolean disjoint =
                    Long.compareUnsigned(ap.start(), cur.highest()) > 0
                            || Long.compareUnsigned(ap.end(), cur.lowest()) < 0;
            boolean below =
                    Long.compareUnsigned(ap.start(), cur.lowest()) > 0
                            && st.dmas.overlapping(cur.lowest(), ap.start() - 1) != null;
            boolean above =
                    Long.compareUnsigned(ap.end(), cur.highest()) < 0
                            && st.dmas.overlapping(ap.end() + 1, cur.highest()) != null;
            if (disjoint || below || above) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "%s: aperture %s conflicts with the valid ranges %s or existing mappings",
                        group.describe(),
                        ap,
                        cur);
            }
        }
        List<ReservedRegion> regions = hwGroup.reservedRegions();
        for (ReservedRegion r : regions) {
            if (r.type() == ReservedRegion.Type.DIRECT_RELAXABLE) {
                continue;
            }
            DmaMapping hit = st.dmas.overlapping(r.range().start(), r.range().end());
            if (hit != null) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "%s: reserved region %s %s overlaps %s",
                        group.describe(),
                        r.type(),
                        r.range(),
                        hit.describe());
            }
        }
        Optional<IovaRangeList> next = cur.resize(ap).exclude(regions);
        return next.orElseThrow(
                () ->
                        VfioException.of(
                                Errno.EINVAL,
                                "%s: no valid IOVA range is left once its reserved regions are excluded from %s",
                                group.describe(),
                                ap));
    }

    /**
     * Moves the group into an existing domain of the same driver and coherency if one takes it;
     * returns that domain, or null with the group still in {@code hw}.
     */
    private Type1Domain joinCompatible(IommuGroup hwGroup, IommuDomain hw) {
        for (Type1Domain d : st.domains.domains) {
            if (!d.compatibleWith(hw)) {
                continue;
            }
            hw.detach(hwGroup);
            try {
                d.hw.attach(hwGroup);
                return d;
            } catch (VfioException e) {
                LOG.debug("could not join domain of {}: {}", d.hw.driver(), e.getMessage());
                hw.attach(hwGroup);
            }
        }
        return null;
    }

    /**
     * Maps every mapping into a new domain (the kernel's {@code vfio_iommu_replay}): the first
     * domain pins and charges (pages with an external pin are not charged again); a later one
     * copies the runs the mappings already hold. On failure, undoes it all.
     */
    private void replay(Type1Domain domain) {
        List<DmaMapping> done = new ArrayList<>();
        List<Type1Domain> target = List.of(domain);
        try {
            for (DmaMapping d : st.dmas.all()) {
                if (d.iommuMapped) {
                    st.iommu.copyInto(d, domain);
                } else {
                    st.iommu.pinAndMap(d, target);
                }
                done.add(d);
            }
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                DmaMapping d = done.get(i);
                if (d.iommuMapped) {
                    st.iommu.unmapRuns(d, domain, d.runs.count());
                } else {
                    st.iommu.unmapUnpin(d, target, true);
                }
            }
            throw e;
        }
        for (DmaMapping d : done) {
            d.iommuMapped = true;
        }
    }

    /** docs/reference/type1-mdev.md §4.5 and §3.6: detach never fails. */
    void detach(VfioGroupHandle group) {
        // vfio4j deviation: the group's devices leave; their leftover pins are unpinned and
        // reported instead of leaked.
        pins.releaseLeaks(group.id());
        List<VfioDeviceHandle> stale = st.devices.unregisterGroup(group.id());
        if (!stale.isEmpty()) {
            // vfio_iommu_type1_detach_group: WARN_ON(!list_empty(&iommu->device_list)).
            st.events.kernelWarn(
                    group.describe()
                            + " left with devices still registered for DMA unmap: "
                            + stale);
        }
        if (st.domains.emulated.remove(group.id()) != null) {
            if (!st.domains.hasEmulated() && !st.domains.hasDomain()) {
                removeAllMappings();
            }
            return;
        }
        Type1Domain domain = st.domains.domainOf(group.id());
        if (domain == null) {
            LOG.warn("{} is not attached to this container; detach ignored", group.describe());
            return;
        }
        IommuGroup hwGroup = group.iommuGroup().orElseThrow();
        domain.hw.detach(hwGroup);
        domain.groups.removeIf(g -> g.id() == group.id());
        boolean wasUnpinnedScope = !st.domains.pinnedScope.remove(group.id());
        boolean freed = false;
        if (domain.groups.isEmpty()) {
            if (st.domains.domains.size() == 1) {
                if (!st.domains.hasEmulated()) {
                    removeAllMappings();
                } else {
                    reaccount();
                }
            }
            domain.hw.free();
            st.domains.domains.remove(domain);
            st.domains.recomputePageSizes();
            freed = true;
        }
        st.iovaList = st.domains.refreshRanges(st.iovaList, freed);
        if (wasUnpinnedScope && st.dirtyTracking) {
            // The scope may have been promoted: report every page until the next read.
            for (DmaMapping d : st.dmas.all()) {
                d.setDirtyRange(0, d.size / st.minPageSize());
            }
        }
    }

    /**
     * The last domain leaves while emulated groups stay (the kernel's {@code
     * vfio_iommu_unmap_unpin_reaccount}): every mapping drops its IOMMU path and keeps only its
     * external pins charged, delta L - U per mapping.
     */
    private void reaccount() {
        for (DmaMapping d : st.dmas.all()) {
            long unpinned = st.iommu.unmapUnpin(d, st.domains.domains, false);
            long locked = d.pinCount();
            long delta = locked - unpinned;
            if (delta < 0) {
                st.uncharge(d, -delta);
            } else if (delta > 0) {
                st.charge(d, delta); // cannot happen: L <= U while a domain existed
            }
        }
    }

    /** Removes every mapping (the kernel's {@code vfio_iommu_unmap_unpin_all}). */
    void removeAllMappings() {
        pins.releaseAllLeaks();
        for (DmaMapping d : st.dmas.snapshot()) {
            st.removeMapping(d);
        }
    }

    /** The container's release: no group is left; drop mappings, domains and groups. */
    void releaseAll() {
        st.domains.emulated.clear();
        removeAllMappings();
        for (Type1Domain d : st.domains.domains) {
            for (VfioGroupHandle g : d.groups) {
                g.iommuGroup().ifPresent(ig -> detachQuietly(d.hw, ig));
            }
            d.groups.clear();
            d.hw.free();
        }
        st.domains.domains.clear();
        st.domains.pinnedScope.clear();
        st.domains.recomputePageSizes();
        st.iovaList = IovaRangeList.EMPTY;
    }
}
