package io.vfio4j.mdev;

import io.vfio4j.core.VfioDevice;
import java.util.Objects;

/**
 * A vendor's record of the guest pages one device pinned, and the only path it needs to pin and
 * unpin: every call goes through the vfio core ({@link VfioDevice#pinPages}, {@link
 * VfioDevice#unpinPages}), so the core's checks (docs/reference/type1-mdev.md §3.2) and the
 * backend's accounting apply, and this object remembers what succeeded:
 *
 * <ul>
 *   <li>{@link #pin}/{@link #pinRange} pin and record the host frame of each page;
 *   <li>{@link #unpin}/{@link #unpinRange} drop one reference of pages this device holds, and never
 *       forward an unpin of a page it does not hold;
 *   <li>{@link #releaseRange} is the body of a {@link MdevDeviceOps#dmaUnmap} callback: drop every
 *       reference in the range;
 *   <li>{@link #releaseAll} is the body of {@link MdevDeviceOps#close};
 *   <li>{@link #forget} updates the record after an unpin the vendor made itself.
 * </ul>
 *
 * Memory is one hash entry per distinct page, without boxing. Thread-safe: DMA-unmap callbacks may
 * arrive on another thread than the one that pins.
 */
public final class PinnedPages {
    private final VfioDevice device;
    private final int pageShift;
    private final int maxPerCall;
    private final PageRefMap pages = new PageRefMap();
    private final PinCalls calls = new PinCalls();

    /**
     * @param device the opened device that pins
     * @param pageSize the host page size ({@code SimHost.pageSize()})
     */
    public PinnedPages(VfioDevice device, long pageSize) {
        this.device = Objects.requireNonNull(device, "device");
        if (pageSize < 4096 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("bad page size " + pageSize);
        }
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.maxPerCall = (int) device.maxPinPages();
    }

    public VfioDevice device() {
        return device;
    }

    /**
     * Pins {@code npage} pages from {@code iova} in one call ({@code npage <= maxPinPages()}: 512
     * on a 4 KiB host, 8,192 on a 64 KiB host).
     *
     * @param prot {@link io.vfio4j.api.DmaProt} bits for how the device will use the pages
     * @return the host page frame numbers, one per page
     * @throws io.vfio4j.api.VfioException the core's or backend's error; nothing is pinned or
     *     recorded then
     */
    public synchronized long[] pin(long iova, int npage, int prot) {
        requireAligned(iova);
        long[] pfns = new long[Math.max(npage, 0)];
        device.pinPages(iova, npage, prot, pfns);
        long first = iova >>> pageShift;
        for (int k = 0; k < npage; k++) {
            pages.add(first + k, pfns[k]);
        }
        if (npage > 0) {
            calls.add(first, first + npage - 1);
        }
        return pfns;
    }

    /**
     * Pins {@code npages} pages from {@code iova} in calls of at most {@link
     * VfioDevice#maxPinPages()} pages, the way a vendor pins a large buffer.
     *
     * @return {@code npages}
     * @throws io.vfio4j.api.VfioException the first failing call's error. That call pinned nothing,
     *     but <b>the earlier calls stay pinned</b> and recorded: release them with {@link
     *     #unpinRange} or let {@link #releaseAll} do it at close.
     */
    public synchronized long pinRange(long iova, long npages, int prot) {
        requireAligned(iova);
        for (long done = 0; done < npages; ) {
            int n = (int) Math.min(maxPerCall, npages - done);
            pin(iova + (done << pageShift), n, prot);
            done += n;
        }
        return npages;
    }

    /**
     * Drops one reference of each of {@code npage} pages from {@code iova} that this device holds.
     */
    public synchronized long unpin(long iova, int npage) {
        return unpinRange(iova, npage);
    }

    /**
     * Drops one reference of each page in {@code [iova, iova + npages pages)} that this device
     * holds, in calls of at most {@link VfioDevice#maxPinPages()}; pages it does not hold are
     * skipped.
     *
     * @return the pages whose reference was dropped
     */
    public synchronized long unpinRange(long iova, long npages) {
        requireAligned(iova);
        if (npages <= 0) {
            return 0;
        }
        long first = iova >>> pageShift;
        long last = first + npages - 1;
        if (calls.removeExact(first, last, first, last)) {
            // The range lies inside one pin call: unpin it as one range, as it was pinned.
            device.unpinPages(iova, (int) npages);
            for (long p = first; p <= last; p++) {
                pages.release(p);
            }
            return npages;
        }
        long dropped = dropOneRound(pages.keysIn(first, last));
        calls.prune(p -> pages.refs(p) > 0);
        return dropped;
    }

    /**
     * Drops one recorded reference of each page in {@code [iova, iova + npages pages)} that this
     * device holds, <b>without</b> unpinning: for a vendor that called {@link
     * VfioDevice#unpinPages} itself (a scripted or deliberately buggy one), so that the record
     * matches what the backend holds. Pages it does not hold are skipped.
     *
     * @return the pages whose reference was dropped from the record
     */
    public synchronized long forget(long iova, long npages) {
        return forget(iova, npages, iova, npages);
    }

    /**
     * {@link #forget(long, long)} for a backend that keeps one pin record per mapping (iommufd):
     * the range is the part inside the mapping {@code [mappingIova, + mappingPages pages)} of one
     * earlier pin call, and that call's record loses exactly this part.
     */
    public synchronized long forget(long iova, long npages, long mappingIova, long mappingPages) {
        requireAligned(iova);
        if (npages <= 0) {
            return 0;
        }
        long first = iova >>> pageShift;
        long last = first + npages - 1;
        long boundFirst = mappingIova >>> pageShift;
        if (calls.removeExact(first, last, boundFirst, boundFirst + mappingPages - 1)) {
            for (long p = first; p <= last; p++) {
                pages.release(p);
            }
            return npages;
        }
        long[] held = pages.keysIn(first, last);
        for (long page : held) {
            pages.release(page);
        }
        calls.prune(p -> pages.refs(p) > 0);
        return held.length;
    }

    /**
     * Drops every reference this device holds in {@code [iova, iova + length)}: what a DMA-unmap
     * callback must do before it returns.
     *
     * @return the references dropped
     */
    public synchronized long releaseRange(long iova, long length) {
        if (length <= 0) {
            return 0;
        }
        long first = iova >>> pageShift;
        long last = (iova + length - 1) >>> pageShift;
        long dropped = dropCalls(first, last);
        // One round drops one reference per held page; pages pinned n times need n rounds.
        for (long[] held = pages.keysIn(first, last);
                held.length > 0;
                held = pages.keysIn(first, last)) {
            dropped += dropOneRound(held);
        }
        return dropped;
    }

    /**
     * Drops one reference of the lowest page this device holds in {@code [iova, iova + length)}: a
     * vendor that unpins one page per DMA-unmap notification.
     *
     * @return the references dropped: 1, or 0 if it holds nothing there
     */
    public synchronized long releaseLowest(long iova, long length) {
        if (length <= 0) {
            return 0;
        }
        long[] held = pages.keysIn(iova >>> pageShift, (iova + length - 1) >>> pageShift);
        if (held.length == 0) {
            return 0;
        }
        long dropped = dropOneRound(new long[] {held[0]});
        calls.prune(p -> pages.refs(p) > 0);
        return dropped;
    }

    /**
     * Drops every reference this device holds: what {@link MdevDeviceOps#close} must do.
     *
     * @return the references dropped
     */
    public synchronized long releaseAll() {
        long dropped = dropCalls(0, -1L >>> pageShift);
        for (long[] held = pages.keys(); held.length > 0; held = pages.keys()) {
            dropped += dropOneRound(held);
        }
        return dropped;
    }

    /** The host frame of the pinned page that holds {@code iova}, or -1 if not pinned here. */
    public synchronized long pfn(long iova) {
        return pages.pfn(iova >>> pageShift);
    }

    /** The references this device holds on the page of {@code iova}. */
    public synchronized int references(long iova) {
        return pages.refs(iova >>> pageShift);
    }

    /** Distinct pages held. */
    public synchronized long pageCount() {
        return pages.size();
    }

    /** References held, over all pages. */
    public synchronized long referenceCount() {
        return pages.totalRefs();
    }

    /** The held pages' IOVAs, in ascending order. */
    public synchronized long[] iovas() {
        long[] keys = pages.keys();
        for (int i = 0; i < keys.length; i++) {
            keys[i] <<= pageShift;
        }
        return keys;
    }

    /**
     * Unpins the part inside [first, last] of every pin call, each part as one range (what
     * iommufd's exact-range unpin needs: a notified mapping's part of a call is exactly the
     * backend's record).
     */
    private long dropCalls(long first, long last) {
        long dropped = 0;
        for (long[] part : calls.takeWithin(first, last)) {
            if (!allHeld(part[0], part[1])) {
                continue; // a stale record (pages released one by one): the per-page path takes it
            }
            for (long p = part[0]; p <= part[1]; p += maxPerCall) {
                long n = Math.min(maxPerCall, part[1] - p + 1);
                device.unpinPages(p << pageShift, (int) n);
            }
            for (long p = part[0]; p <= part[1]; p++) {
                pages.release(p);
                dropped++;
            }
        }
        return dropped;
    }

    private boolean allHeld(long first, long last) {
        for (long p = first; p <= last; p++) {
            if (pages.refs(p) <= 0) {
                return false;
            }
        }
        return true;
    }

    /** Unpins each sorted page once, in contiguous runs of at most maxPerCall pages. */
    private long dropOneRound(long[] sorted) {
        int i = 0;
        while (i < sorted.length) {
            int j = i + 1;
            while (j < sorted.length && j - i < maxPerCall && sorted[j] == sorted[j - 1] + 1) {
                j++;
            }
            device.unpinPages(sorted[i] << pageShift, j - i);
            for (int k = i; k < j; k++) {
                pages.release(sorted[k]);
            }
            i = j;
        }
        return sorted.length;
    }

    private void requireAligned(long iova) {
        if ((iova & ((1L << pageShift) - 1)) != 0) {
            throw new IllegalArgumentException(
                    "iova 0x" + Long.toHexString(iova) + " is not page aligned");
        }
    }
}
