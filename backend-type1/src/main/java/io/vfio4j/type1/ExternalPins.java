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
 * container and reference counted, plus the per-device share of each count. Accounting per §4.3: a
 * new pin is charged only while no IOMMU domain exists (the IOMMU path already charged it
 * otherwise). All methods run under the container lock.
 */
final class ExternalPins {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalPins.class);

    /** The kernel's VFIO_PIN_PAGES_MAX_ENTRIES on a 4 KiB, 64-bit host (PAGE_SIZE / 8). */
    static final int MAX_PAGES_PER_CALL = 512;

    private final Type1State st;

    ExternalPins(Type1State st) {
        this.st = st;
    }

    /** The kernel's {@code vfio_iommu_type1_pin_pages}, after the argument checks. */
    int pin(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        if (st.vaddrInvalidCount > 0) {
            LOG.warn("pin_pages refused while {} mapping vaddrs are invalid", st.vaddrInvalidCount);
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
        DeviceRegistry.Holds holds = st.devices.holdsOf(device);
        DmaMapping[] journal = new DmaMapping[npage];
        // progress[0]: pages of this call that hold a reference now (pinNew advances it per run)
        int[] progress = {0};
        try {
            DmaMapping d = null;
            while (progress[0] < npage) {
                int k = progress[0];
                long i = iova + ((long) k << st.pageShift);
                if (d == null || !d.contains(i) || !d.contains(i + st.pageSize - 1)) {
                    d = st.dmas.overlapping(i, i + st.pageSize - 1);
                    if (d == null) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "pin: no mapping covers iova 0x%x (page %d of %d)",
                                i,
                                k,
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
                }
                long page = st.pageOf(i);
                PageRefTable pins = d.pins();
                if (pins.contains(page)) {
                    pins.add(page, 0, 1);
                    holds.pages.add(page, 0, 1);
                    pfns[k] = pins.pfn(page);
                    journal[k] = d;
                    progress[0] = k + 1;
                    continue;
                }
                int end = k + 1;
                while (end < npage) {
                    long next = iova + ((long) end << st.pageShift);
                    if (!d.contains(next) || pins.contains(st.pageOf(next))) {
                        break;
                    }
                    end++;
                }
                pinNew(d, holds, iova, progress, end, doAccounting, pfns, journal);
            }
        } catch (RuntimeException e) {
            java.util.Arrays.fill(pfns, 0, Math.min(npage, pfns.length), 0L);
            releaseJournal(journal, holds, iova, progress[0], doAccounting);
            throw e;
        }
        st.domains.markPinnedScope(device.group().id());
        return npage;
    }

    /**
     * Pins pages [k, end) of the call, all new and inside {@code d}, run by run, charging each run
     * once. A failed run is released here; earlier runs are in the journal and counted in {@code
     * progress[0]}.
     */
    private void pinNew(
            DmaMapping d,
            DeviceRegistry.Holds holds,
            long iova,
            int[] progress,
            int end,
            boolean doAccounting,
            long[] pfns,
            DmaMapping[] journal) {
        if (!d.owner.space().isAlive()) {
            throw VfioException.of(
                    Errno.ENODEV,
                    "pin: owner %s of %s has no users left",
                    d.owner.describe(),
                    d.describe());
        }
        while (progress[0] < end) {
            int k = progress[0];
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
            boolean charged = false;
            try {
                if (doAccounting) {
                    st.charge(d, n);
                    charged = true;
                }
                st.host.allocation("vfio_pfn");
            } catch (RuntimeException e) {
                st.host.memory().unpin(run.pfn(), n, false);
                if (charged) {
                    st.uncharge(d, n);
                }
                throw e;
            }
            long firstPage = st.pageOf(i);
            PageRefTable pins = d.pins();
            // The pages are new (checked by the caller): one insert each, no lookup first.
            for (int j = 0; j < n; j++) {
                pins.addNew(firstPage + j, run.pfn() + j, 1);
                holds.pages.add(firstPage + j, 0, 1);
                pfns[k + j] = run.pfn() + j;
                journal[k + j] = d;
            }
            if (d.dirty != null) {
                long minpg = st.minPageSize();
                for (int j = 0; j < n; j++) {
                    d.setDirty((((firstPage + j) << st.pageShift) - d.iova) / minpg);
                }
            }
            progress[0] = k + n;
        }
    }

    /** Drops the references this call took on pages [0, taken), as one unpin each. */
    private void releaseJournal(
            DmaMapping[] journal,
            DeviceRegistry.Holds holds,
            long iova,
            int taken,
            boolean doAccounting) {
        Uncharger unch = new Uncharger(doAccounting);
        for (int j = 0; j < taken; j++) {
            long page = st.pageOf(iova + ((long) j << st.pageShift));
            holds.pages.release(page);
            unch.add(journal[j], dropRefs(journal[j], page, 1));
        }
        unch.flush();
        st.devices.pruneEmpty();
    }

    /**
     * Drops {@code n} references of a page; at zero unpins the frame (dirty if the mapping is
     * writable) and forgets the record.
     *
     * @return 1 if the page was unpinned, else 0
     */
    private int dropRefs(DmaMapping d, long page, int n) {
        PageRefTable pins = d.pins();
        long pfn = pins.pfn(page);
        if (pins.drop(page, n) == 0) {
            st.host.memory().unpin(pfn, 1, d.writable());
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
        DeviceRegistry.Holds own = st.devices.existingHolds(device.name());
        Uncharger unch = new Uncharger(doAccounting);
        FrameReleaser frames = new FrameReleaser();
        DmaMapping d = null;
        int k = 0;
        for (; k < npage; k++) {
            long i = iova + ((long) k << st.pageShift);
            if (d == null || !d.contains(i) || !d.contains(i + st.pageSize - 1)) {
                d = st.dmas.overlapping(i, i + st.pageSize - 1);
                if (d == null) {
                    break;
                }
            }
            long page = st.pageOf(i);
            long freed = d.hasPins() ? d.pins().releaseFrame(page) : PageRefTable.ABSENT;
            if (freed == PageRefTable.ABSENT) {
                LOG.debug(
                        "unpin by {}: iova 0x{} is not pinned, ignored",
                        device.name(),
                        Long.toHexString(i));
                continue;
            }
            if (own == null || own.pages.release(page) < 0) {
                // The kernel counts references per IOVA, not per device: the drop still
                // happens; charge it to a device that does hold one.
                DeviceRegistry.Holds holder = st.devices.otherHolder(page, device.name());
                LOG.debug(
                        "unpin by {} of iova 0x{} drops a reference held by {}",
                        device.name(),
                        Long.toHexString(i),
                        holder == null ? "nobody" : holder.device.name());
                if (holder != null) {
                    holder.pages.release(page);
                }
            }
            if (freed >= 0) {
                frames.add(freed, d.writable());
                unch.add(d, 1);
            }
        }
        frames.flush();
        unch.flush();
        st.devices.pruneEmpty();
        if (k != npage) {
            LOG.warn(
                    "unpin by {} from 0x{}: only {} of {} pages handled, 0x{} is not mapped",
                    device.name(),
                    Long.toHexString(iova),
                    k,
                    npage,
                    Long.toHexString(iova + ((long) k << st.pageShift)));
        }
    }

    /**
     * Collects frames whose last pin reference went, and unpins them from the host one physically
     * contiguous run at a time instead of one frame at a time.
     */
    private final class FrameReleaser {
        private long start = -1;
        private long pages;
        private boolean dirty;

        void add(long pfn, boolean isDirty) {
            if (pages > 0 && pfn == start + pages && isDirty == dirty) {
                pages++;
                return;
            }
            flush();
            start = pfn;
            pages = 1;
            dirty = isDirty;
        }

        void flush() {
            if (pages > 0) {
                st.host.memory().unpin(start, pages, dirty);
                pages = 0;
            }
        }
    }

    private void checkStrict(VfioDeviceHandle device, long iova, int npage) {
        DeviceRegistry.Holds own = st.devices.existingHolds(device.name());
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
            if (own == null || own.pages.refs(page) == 0) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "strict unpin by %s: iova 0x%x is pinned only by other devices",
                        device.name(),
                        i);
            }
        }
    }

    /**
     * vfio4j's deviation (§3.6): drops every reference the devices of {@code groupId} still hold,
     * unpins and un-charges what that frees, and reports each device's leak.
     */
    void releaseLeaks(int groupId) {
        List<DeviceRegistry.Holds> leaking = new ArrayList<>();
        for (DeviceRegistry.Holds h : st.devices.allHolds()) {
            if (h.device.group().id() == groupId && !h.pages.isEmpty()) {
                leaking.add(h);
            }
        }
        leaking.forEach(this::releaseLeak);
        st.devices.pruneEmpty();
    }

    /** Releases every leftover pin of every device (release of the container). */
    void releaseAllLeaks() {
        List<DeviceRegistry.Holds> leaking = new ArrayList<>();
        for (DeviceRegistry.Holds h : st.devices.allHolds()) {
            if (!h.pages.isEmpty()) {
                leaking.add(h);
            }
        }
        leaking.forEach(this::releaseLeak);
        st.devices.pruneEmpty();
        // Pins no device is known to hold (references dropped by another device in the
        // non-strict mode are re-attributed, so this only guards against bugs).
        for (DmaMapping d : st.dmas.all()) {
            if (d.hasPins()) {
                LOG.warn(
                        "{}: {} pins without a known holder, releasing",
                        d.describe(),
                        d.pinCount());
                Uncharger unch = new Uncharger(!st.domains.hasDomain());
                for (long page : d.pins().sortedPages()) {
                    unch.add(d, dropRefs(d, page, d.pins().refs(page)));
                }
                unch.flush();
            }
        }
    }

    private void releaseLeak(DeviceRegistry.Holds h) {
        boolean doAccounting = !st.domains.hasDomain();
        Uncharger unch = new Uncharger(doAccounting);
        long[] pages = h.pages.sortedPages();
        List<Long> iovas = new ArrayList<>(pages.length);
        long refs = 0;
        for (long page : pages) {
            int r = h.pages.remove(page);
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

    /** Collects un-charges per mapping so accounting moves once per mapping per call. */
    private final class Uncharger {
        private final boolean doAccounting;
        private DmaMapping current;
        private long pending;

        Uncharger(boolean doAccounting) {
            this.doAccounting = doAccounting;
        }

        void add(DmaMapping d, long unpinned) {
            if (d != current) {
                flush();
                current = d;
            }
            pending += unpinned;
        }

        void flush() {
            if (current != null && doAccounting) {
                st.uncharge(current, pending);
            }
            current = null;
            pending = 0;
        }
    }
}
