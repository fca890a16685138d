package io.vfio4j.type1;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.PinnedRun;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * External (vendor, mdev) pins: one page pin per pinned IOVA page, shared by every device of the
 * container and reference counted, plus the per-device share of each count. Accounting per
 * docs/reference/type1-mdev.md §4.3: a new pin is charged only while no IOMMU domain exists (the
 * IOMMU path already charged it otherwise). All methods run under the container lock.
 */
final class ExternalPins {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalPins.class);

    private final Type1State st;

    /*
     * Scratch reused by every call (all run under the container lock): what an unpin's run
     * released, the pages of a pin call that hold a reference now, and unpin's collectors.
     */
    private final long[] released;
    private int taken;
    private final FrameReleaser frames;
    private final Uncharger uncharger;

    ExternalPins(Type1State st) {
        this.st = st;
        this.released = new long[st.maxPinPages];
        this.frames = new FrameReleaser(st);
        this.uncharger = new Uncharger(st, false);
    }

    /** The kernel's {@code vfio_iommu_type1_pin_pages}, after the argument checks. */
    int pin(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        if (st.vaddrInvalidCount > 0) {
            // vfio_iommu_type1_pin_pages: WARN_ONCE(iommu->vaddr_invalid_count, ...).
            st.events.kernelWarn(
                    "pin_pages by "
                            + device.name()
                            + " refused while "
                            + st.vaddrInvalidCount
                            + " mapping vaddrs are invalid (VFIO_UPDATE_VADDR)");
            throw VfioException.of(
                    Errno.EBUSY,
                    "pin of 0x%x by %s refused: %d mapping(s) have an invalid vaddr (VFIO_UPDATE_VADDR in progress)",
                    iova,
                    device.name(),
                    st.vaddrInvalidCount);
        }
        if (st.devices.noneRegistered()) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "pin of 0x%x by %s refused: no device registered for DMA-unmap notification",
                    iova,
                    device.name());
        }
        boolean doAccounting = !st.domains.hasDomain();
        DeviceRegistry.Holds holds = st.devices.pinner(device);
        taken = 0;
        try {
            while (taken < npage) {
                long i = iova + ((long) taken << st.pageShift);
                DmaMapping d = st.dmas.overlapping(i, i + st.pageSize - 1);
                if (d == null) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "pin: no mapping covers iova 0x%x (page %d of %d)",
                            i,
                            taken,
                            npage);
                }
                if (!DmaProt.allows(d.prot, prot)) {
                    throw VfioException.of(
                            Errno.EPERM,
                            "pin: iova 0x%x asked %s of %s",
                            i,
                            DmaProt.toString(prot),
                            d.describe());
                }
                long inside = ((d.last() - i) >>> st.pageShift) + 1;
                pinIn(d, holds, iova, (int) Math.min(npage, taken + inside), doAccounting, pfns);
            }
        } catch (RuntimeException e) {
            java.util.Arrays.fill(pfns, 0, Math.min(npage, pfns.length), 0L);
            releaseTaken(holds, iova, taken, doAccounting);
            throw e;
        }
        st.domains.markPinnedScope(device.group().id());
        return npage;
    }

    /** Takes a reference on pages [taken, stop) of the call, all inside {@code d}. */
    private void pinIn(
            DmaMapping d,
            DeviceRegistry.Holds holds,
            long iova,
            int stop,
            boolean doAccounting,
            long[] pfns) {
        PinGroupTable pins = d.pins();
        long page0 = st.pageOf(iova);
        while (taken < stop) {
            int k = taken;
            long pfn = pins.addRef(page0 + k);
            if (pfn != PinGroupTable.ABSENT) {
                pfns[k] = pfn;
                st.devices.took(holds, page0 + k);
                taken = k + 1;
                continue;
            }
            // A new page: pin it and the new pages after it as runs.
            int end = k + 1 + pins.absentRun(page0 + k + 1, stop - k - 1);
            pinNew(d, holds, iova, end, doAccounting, pfns);
        }
    }

    /**
     * Pins pages [taken, end) of the call, none of them pinned yet, inside {@code d}, run by run,
     * charging each run once, and records each run in the mapping's pin table once the host pinned
     * and charged it. On failure the failed run is released here; earlier runs are counted in
     * {@link #taken}.
     */
    private void pinNew(
            DmaMapping d,
            DeviceRegistry.Holds holds,
            long iova,
            int end,
            boolean doAccounting,
            long[] pfns) {
        PinGroupTable pins = d.pins();
        if (!d.owner.space().isAlive()) {
            throw VfioException.of(
                    Errno.ENODEV,
                    "pin: owner %s of %s has no users left",
                    d.owner.describe(),
                    d.describe());
        }
        while (taken < end) {
            int k = taken;
            long i = iova + ((long) k << st.pageShift);
            long vaddr = d.vaddr + (i - d.iova);
            PinnedRun run = d.owner.space().pinRun(vaddr, end - k, d.writable());
            if (run.reserved()) {
                // PFNMAP: nothing was pinned; such frames have no page to hand out (>= 6.0).
                throw VfioException.of(
                        Errno.EINVAL,
                        "pin: iova 0x%x (vaddr 0x%x) is device memory without struct page (PFNMAP)",
                        i,
                        vaddr);
            }
            int n = (int) Math.min(run.pages(), end - k);
            st.pinnedFrames(run.pfn(), n);
            boolean charged = false;
            try {
                if (doAccounting) {
                    st.charge(d, n);
                    charged = true;
                }
                st.host.allocation("vfio_pfn");
            } catch (RuntimeException e) {
                // vfio_pin_page_external / vfio_add_to_pfn_list failures: put_pfn(pfn,
                // dma->prot) marks a writable page dirty.
                st.unpinFrames(run.pfn(), n, d.writable());
                if (charged) {
                    st.uncharge(d, n);
                }
                throw e;
            }
            long firstPage = st.pageOf(i);
            long pfn = run.pfn();
            pins.insertRun(firstPage, n, pfn);
            for (int j = 0; j < n; j++) {
                pfns[k + j] = pfn + j;
            }
            st.devices.tookRun(holds, firstPage, n);
            if (d.dirty != null) {
                long minpg = st.minPageSize();
                for (int j = 0; j < n; j++) {
                    d.setDirty((((firstPage + j) << st.pageShift) - d.iova) / minpg);
                }
            }
            taken = k + n;
        }
    }

    /** Drops the references this call took on pages [0, count), as one unpin each. */
    private void releaseTaken(
            DeviceRegistry.Holds holds, long iova, int count, boolean doAccounting) {
        Uncharger unch = new Uncharger(st, doAccounting);
        DmaMapping d = null;
        for (int j = 0; j < count; j++) {
            long i = iova + ((long) j << st.pageShift);
            if (d == null || !d.contains(i) || !d.contains(i + st.pageSize - 1)) {
                d = st.dmas.overlapping(i, i + st.pageSize - 1);
            }
            long page = st.pageOf(i);
            st.devices.untook(holds, page);
            unch.add(d, dropRefs(d, page, 1));
        }
        unch.flush();
        st.devices.settle();
    }

    /**
     * Drops {@code n} references of a page; at zero unpins the frame (dirty if the mapping is
     * writable) and forgets the record.
     *
     * @return 1 if the page was unpinned, else 0
     */
    private int dropRefs(DmaMapping d, long page, int n) {
        PinGroupTable pins = d.pins();
        long pfn = pins.pfn(page);
        if (pins.drop(page, n) == 0) {
            st.unpinFrames(pfn, 1, d.writable());
            return 1;
        }
        return 0;
    }

    /**
     * The kernel's {@code vfio_iommu_type1_unpin_pages}: a page with no pin is ignored, an unmapped
     * page ends the walk (a WARN). In strict mode both, and a reference held only by other devices,
     * refuse the whole call with EINVAL before anything changes.
     */
    void unpin(VfioDeviceHandle device, long iova, int npage) {
        boolean doAccounting = !st.domains.hasDomain();
        if (st.settings.strictUnpin()) {
            checkStrict(device, iova, npage);
        }
        DeviceRegistry.Holds own = st.devices.existing(device);
        uncharger.begin(doAccounting);
        int k = 0;
        while (k < npage) {
            long i = iova + ((long) k << st.pageShift);
            DmaMapping d = st.dmas.overlapping(i, i + st.pageSize - 1);
            if (d == null) {
                break;
            }
            long inside = ((d.last() - i) >>> st.pageShift) + 1;
            int stop = (int) Math.min(npage, k + inside);
            unpinIn(d, own, device, iova, k, stop);
            k = stop;
        }
        frames.flush();
        uncharger.flush();
        st.devices.settle();
        if (k != npage) {
            // vfio_iommu_type1_unpin_pages: WARN_ON(i != npage) after the walk.
            st.events.kernelWarn(
                    String.format(
                            java.util.Locale.ROOT,
                            "unpin by %s from 0x%x: only %d of %d pages handled, 0x%x is not mapped",
                            device.name(),
                            iova,
                            k,
                            npage,
                            iova + ((long) k << st.pageShift)));
        }
    }

    /** Drops one reference on each of pages [from, to) of the call, all inside {@code d}. */
    private void unpinIn(
            DmaMapping d,
            DeviceRegistry.Holds own,
            VfioDeviceHandle device,
            long iova,
            int from,
            int to) {
        PinGroupTable pins = d.hasPins() ? d.pins() : null;
        boolean dirty = d.writable();
        long page0 = st.pageOf(iova);
        if (pins != null) {
            // One pass over the table for the run; the results are taken in page order below.
            pins.releaseRun(page0 + from, to - from, released);
        }
        int unpinned = 0;
        for (int k = from; k < to; k++) {
            long page = page0 + k;
            long freed = pins == null ? PinGroupTable.ABSENT : released[k - from];
            if (freed == PinGroupTable.ABSENT) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug(
                            "unpin by {}: iova 0x{} is not pinned, ignored",
                            device.name(),
                            Long.toHexString(page << st.pageShift));
                }
                continue;
            }
            DeviceRegistry.Holds holder = st.devices.drop(own, device.name(), page);
            if ((holder == null || holder != own) && LOG.isDebugEnabled()) {
                // The kernel counts references per IOVA, not per device: the drop still
                // happens; it is charged to a device that does hold one.
                LOG.debug(
                        "unpin by {} of iova 0x{} drops a reference held by {}",
                        device.name(),
                        Long.toHexString(page << st.pageShift),
                        holder == null ? "nobody" : holder.device.name());
            }
            if (freed >= 0) {
                frames.add(freed, dirty);
                unpinned++;
            }
        }
        if (unpinned > 0) {
            uncharger.add(d, unpinned);
        }
    }

    private void checkStrict(VfioDeviceHandle device, long iova, int npage) {
        DeviceRegistry.Holds own = st.devices.existing(device);
        for (int k = 0; k < npage; k++) {
            long i = iova + ((long) k << st.pageShift);
            DmaMapping d = st.dmas.overlapping(i, i + st.pageSize - 1);
            if (d == null) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "strict unpin by %s: iova 0x%x is not mapped",
                        device.name(),
                        i);
            }
            long page = st.pageOf(i);
            if (!d.hasPins() || !d.pins().contains(page)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "strict unpin by %s: iova 0x%x is not pinned",
                        device.name(),
                        i);
            }
            if (!st.devices.holdsRef(own, page)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "strict unpin by %s: iova 0x%x is pinned only by other devices",
                        device.name(),
                        i);
            }
        }
    }

    /**
     * vfio4j's deviation (docs/reference/type1-mdev.md §3.6): drops every reference the devices of
     * {@code groupId} still hold, unpins and un-charges what that frees, and reports each device's
     * leak.
     */
    void releaseLeaks(int groupId) {
        st.devices.holdingIn(groupId).forEach(this::releaseLeak);
        st.devices.settle();
    }

    /** Releases every leftover pin of every device (release of the container). */
    void releaseAllLeaks() {
        st.devices.holdingAny().forEach(this::releaseLeak);
        st.devices.settle();
        // Pins no device is known to hold (references dropped by another device in the
        // non-strict mode are re-attributed, so this only guards against bugs).
        for (DmaMapping d : st.dmas.all()) {
            if (d.hasPins()) {
                // vfio_remove_dma: WARN_ON(!RB_EMPTY_ROOT(&dma->pfn_list)).
                st.events.kernelWarn(
                        d.describe() + ": " + d.pinCount() + " pins without a known holder");
                Uncharger unch = new Uncharger(st, !st.domains.hasDomain());
                for (long page : d.pins().sortedPages()) {
                    unch.add(d, dropRefs(d, page, d.pins().refs(page)));
                }
                unch.flush();
            }
        }
    }

    private void releaseLeak(DeviceRegistry.Holds h) {
        boolean doAccounting = !st.domains.hasDomain();
        Uncharger unch = new Uncharger(st, doAccounting);
        long[] pages = h.pages.sortedPages();
        List<Long> iovas = new ArrayList<>(pages.length);
        long refs = 0;
        for (long page : pages) {
            int r = st.devices.forget(h, page);
            long iova = page << st.pageShift;
            iovas.add(iova);
            refs += r;
            DmaMapping d = st.dmas.containing(iova);
            if (d != null && d.hasPins() && d.pins().contains(page)) {
                unch.add(d, dropRefs(d, page, r));
            }
        }
        unch.flush();
        VendorLeak leak = new VendorLeak("type1", h.device.name(), iovas, refs);
        LOG.warn(
                "vendor driver leak: device {} still held {} reference(s) on {} page(s) from 0x{}; unpinned and un-charged",
                h.device.name(),
                refs,
                iovas.size(),
                Long.toHexString(iovas.get(0)));
        st.events.vendorLeak(leak);
    }
}
