package io.vfio4j.type1;

import io.vfio4j.api.PinMoments;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-container state (the kernel's {@code struct vfio_iommu}) and the accounting and removal
 * steps every path shares. Guarded by the container lock; nothing here locks.
 */
final class Type1State {
    private static final Logger LOG = LoggerFactory.getLogger(Type1State.class);

    final HostView host;
    final long pageSize;
    final int pageShift;

    /**
     * The most pages one pin or unpin call may name: include/linux/vfio.h {@code
     * VFIO_PIN_PAGES_MAX_ENTRIES}, {@code PAGE_SIZE / sizeof(unsigned long)} (512 on a 4 KiB host,
     * 8,192 on a 64 KiB host).
     */
    final int maxPinPages;

    final boolean v2;
    final Type1Settings settings;

    /** Where the kernel era changes the answers (docs/scenarios.md, kernel eras). */
    final Type1Era era;

    final VfioEventSink events;

    final DmaIndex dmas = new DmaIndex();
    final DomainSet domains;
    final DeviceRegistry devices = new DeviceRegistry(dmas);
    final IommuPath iommu;
    IovaRangeList iovaList = IovaRangeList.EMPTY;
    long dmaAvail;
    int vaddrInvalidCount;
    boolean dirtyTracking;

    /** The owner of the last MAP_DMA, shared by the next one from the same process. */
    DmaOwner lastOwner;

    /**
     * Running totals of every host pin this container holds (IOMMU path and external pins), kept
     * where the pins are taken and dropped so the per-operation audit costs O(1) for them.
     */
    final PinMoments heldPins = new PinMoments();

    Type1State(
            HostView host, boolean v2, Type1Settings settings, VfioEventSink events, Type1Era era) {
        this.host = host;
        this.pageSize = host.pageSize();
        this.pageShift = host.pageShift();
        this.maxPinPages = (int) (pageSize / Long.BYTES);
        this.v2 = v2;
        this.settings = settings;
        this.era = era;
        this.events = events;
        this.domains = new DomainSet(pageSize);
        this.dmaAvail = settings.dmaEntryLimit();
        this.iommu = new IommuPath(this);
    }

    long minPageSize() {
        return domains.minPageSize();
    }

    /** Records {@code pages} host frames from {@code pfn} just pinned for this container. */
    void pinnedFrames(long pfn, long pages) {
        heldPins.add(pfn, pages, 1);
    }

    /** Unpins host frames this container pinned, and forgets them in {@link #heldPins}. */
    void unpinFrames(long pfn, long pages, boolean dirty) {
        host.memory().unpin(pfn, pages, dirty);
        heldPins.add(pfn, pages, -1);
    }

    long pageOf(long iova) {
        return iova >>> pageShift;
    }

    /**
     * Charges {@code pages} to the mapping's owner with the owner's limit and lock_cap (the
     * kernel's {@code vfio_lock_acct}), mirrored in {@code dma.lockedVm}.
     *
     * @throws io.vfio4j.api.VfioException ENOMEM over the limit; nothing charged
     */
    void charge(DmaMapping d, long pages) {
        if (pages == 0) {
            return;
        }
        d.owner.space().charge(pages, d.owner.limitPages(), d.owner.lockCap());
        d.lockedVm += pages;
    }

    /**
     * Returns {@code pages} to the owner. Skipped when the owner's address space is dead (the
     * kernel's ESRCH from {@code mmget_not_zero}): never un-charge an mm that no longer has users.
     */
    void uncharge(DmaMapping d, long pages) {
        if (pages == 0) {
            return;
        }
        if (!d.owner.space().isAlive()) {
            LOG.debug(
                    "{}: owner {} is gone, un-charge of {} pages skipped",
                    d.describe(),
                    d.owner.describe(),
                    pages);
            return;
        }
        d.owner.space().uncharge(pages);
        d.lockedVm -= pages;
    }

    /**
     * Destroys a mapping (the kernel's {@code vfio_remove_dma}): unmaps and unpins its IOMMU path
     * with accounting, drops the owner reference, returns one unit of dma_avail. Its external pins
     * must be gone already.
     */
    void removeMapping(DmaMapping d) {
        if (d.hasPins()) {
            throw new IllegalStateException(d.describe() + " still has external pins");
        }
        iommu.unmapUnpin(d, domains.domains, true);
        dmas.remove(d);
        d.owner.release();
        if (dmas.size() == 0) {
            // Hold no process or address space once no mapping does.
            lastOwner = null;
        }
        d.dirty = null;
        if (d.vaddrInvalid) {
            vaddrInvalidCount--;
        }
        dmaAvail++;
    }

    /** Allocates the dirty bitmap of a mapping: one bit per minimum page. */
    void allocateDirtyBitmap(DmaMapping d) {
        long bits = d.size / minPageSize();
        if (bits > Integer.MAX_VALUE) {
            throw io.vfio4j.api.VfioException.of(
                    io.vfio4j.api.Errno.EINVAL,
                    "dirty bitmap of %s would need %d bits, more than INT_MAX",
                    d.describe(),
                    bits);
        }
        host.allocation("vfio_dma dirty bitmap");
        d.dirty = new long[(int) ((bits + 63) >>> 6)];
    }

    /** Marks the externally pinned pages of a mapping dirty (they are always reported). */
    void populateDirtyFromPins(DmaMapping d) {
        if (d.dirty == null || !d.hasPins()) {
            return;
        }
        long minpg = minPageSize();
        for (long page : d.pins().sortedPages()) {
            d.setDirty(((page << pageShift) - d.iova) / minpg);
        }
    }
}
