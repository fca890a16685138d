package io.vfio4j.spapr;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.host.TceTableGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one SPAPR TCE container (the kernel's {@code struct tce_container}) and the steps
 * every path shares. Everything mutable is guarded by {@link #lock} (the kernel's {@code
 * container->lock}); nothing here takes it except {@link #notifyUnmap}.
 */
final class SpaprState {
    private static final Logger LOG = LoggerFactory.getLogger(SpaprState.class);

    /** {@code IOMMU_TABLE_GROUP_MAX_TABLES}. */
    static final int MAX_WINDOWS = 2;

    /** The type1 contract: after this many notifications of one range a kept pin is a BUG. */
    static final int MAX_UNMAP_NOTIFICATIONS = 11;

    final HostView host;
    final boolean v2;
    final boolean externalPinning;
    final VfioEventSink events;

    /** Where the kernel era changes the answers (docs/scenarios.md, kernel eras). */
    final SpaprEra era;

    final long pageSize;
    final int pageShift;
    final Object lock = new Object();

    // Everything below is guarded by lock.
    /** Attached groups, most recently attached first (the kernel inserts at the head). */
    final List<GroupMember> groups = new ArrayList<>();

    final DmaWindow[] windows = new DmaWindow[MAX_WINDOWS];

    /** Regions this container references (the kernel's {@code prereg_list}). */
    final List<PreregRegion> preregs = new ArrayList<>();

    final ExternalPins pins;
    final Map<VfioDeviceHandle, DmaUnmapListener> listeners = new LinkedHashMap<>();
    AddressSpace mm;
    PreregRegistry registry;
    boolean enabled;
    boolean defWindowPending;
    long lockedPages;
    boolean released;

    SpaprState(
            HostView host,
            boolean v2,
            boolean externalPinning,
            VfioEventSink events,
            SpaprEra era) {
        this.host = host;
        this.era = era;
        this.v2 = v2;
        this.externalPinning = externalPinning;
        this.events = events;
        this.pageSize = host.pageSize();
        this.pageShift = host.pageShift();
        this.pins = new ExternalPins(pageShift);
    }

    /** The endpoint GET_INFO, ENABLE and CREATE use: the first hardware group, else the first. */
    TceTableGroup firstTableGroup() {
        for (GroupMember m : groups) {
            if (!m.emulated()) {
                return m.tableGroup();
            }
        }
        return groups.get(0).tableGroup();
    }

    /** {@code tce_iommu_mm_set}: cache the caller's address space on first use. */
    void mmSet(Task caller) {
        AddressSpace current = caller.addressSpace().orElse(null);
        if (mm != null) {
            if (current != null && current.id() == mm.id()) {
                return;
            }
            throw VfioException.of(
                    Errno.EPERM,
                    "the container belongs to address space %d, caller pid %d is foreign",
                    mm.id(),
                    caller.pid());
        }
        if (current == null) {
            throw VfioException.of(Errno.ESRCH, "caller pid %d has no address space", caller.pid());
        }
        current.retain();
        mm = current;
        registry = current.attachment(PreregRegistry.KEY, PreregRegistry::new);
    }

    void charge(Task caller, long pages, String what) {
        try {
            mm.charge(pages, caller.memlockLimitPages(pageSize), caller.capIpcLock());
        } catch (VfioException e) {
            throw new VfioException(
                    e.errno(),
                    what + ": cannot lock " + pages + " more pages: " + e.getMessage(),
                    e);
        }
    }

    static VfioException argsz(String op, int argsz, int min) {
        return VfioException.of(
                Errno.EINVAL, "%s: argsz %d is below the structure size %d", op, argsz, min);
    }

    void checkNotReleased() {
        if (released) {
            throw new IllegalStateException("spapr-tce container used after release");
        }
    }

    /** Calls every registered listener; never with the container lock held. */
    void notifyUnmap(long iova, long length) {
        List<DmaUnmapListener> copy;
        synchronized (lock) {
            copy = new ArrayList<>(listeners.values());
        }
        LOG.debug(
                "notifying {} devices of the unmap of [0x{}, +0x{})",
                copy.size(),
                Long.toHexString(iova),
                Long.toHexString(length));
        for (DmaUnmapListener l : copy) {
            l.dmaUnmap(iova, length);
        }
    }

    KernelBugError stuckPins(long iova, long length) {
        return new KernelBugError(
                String.format(
                        java.util.Locale.ROOT,
                        "spapr-tce: pages in [0x%x, +0x%x) are still "
                                + "pinned after %d DMA-unmap notifications",
                        iova,
                        length,
                        MAX_UNMAP_NOTIFICATIONS));
    }

    /**
     * True for a region no container references and nothing maps into or pins (registry lock held):
     * one kept alive only by TCEs or pins since its last reference went (see {@link
     * Preregistration#dropRegionReference}), whose last one is now gone. The caller frees it.
     */
    static boolean unused(PreregRegion region) {
        return region.used() == 0 && region.mapped() == 1;
    }

    void freeRegion(PreregRegion region) {
        registry.remove(region);
        region.unpinAll(host.memory());
        mm.uncharge(region.entries());
        LOG.debug("freed {}", region);
    }
}
