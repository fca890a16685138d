package io.vfio4j.spapr;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.TceTableGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * External pinning by mdev vendors on a v2 container: a pin translates the IOVA through the TCEs to
 * a preregistered region and holds one {@code mapped} reference on it; pins left behind at detach
 * or release are dropped and reported as a vendor leak.
 */
final class ExternalPinning {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalPinning.class);

    private final SpaprState st;

    ExternalPinning(SpaprState st) {
        this.st = st;
    }

    /** A v2 container with external pinning on; {@link SpaprTceContainer} refuses the others. */
    int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        synchronized (st.lock) {
            st.checkNotReleased();
            if ((iova & (st.pageSize - 1)) != 0) {
                throw VfioException.of(Errno.EINVAL, "pin: iova 0x%x is not page aligned", iova);
            }
            if (st.registry == null) {
                throw VfioException.of(
                        Errno.EINVAL, "pin: iova 0x%x is not mapped (no memory registered)", iova);
            }
            synchronized (st.registry) {
                PreregRegion[] regions = new PreregRegion[npage];
                long[] uas = new long[npage];
                for (int i = 0; i < npage; i++) {
                    long io = iova + ((long) i << st.pageShift);
                    uas[i] = userAddress(io, prot);
                    regions[i] = st.registry.findContaining(uas[i], st.pageSize);
                    if (regions[i] == null) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "pin: iova 0x%x maps 0x%x, outside registered memory",
                                io,
                                uas[i]);
                    }
                }
                for (int i = 0; i < npage; i++) {
                    long io = iova + ((long) i << st.pageShift);
                    long pfn = regions[i].hpa(uas[i]) >>> st.pageShift;
                    regions[i].mappedInc(); // makes UNREGISTER see the page as in use
                    st.pins.pin(io, pfn, regions[i], device);
                    pfns[i] = pfn;
                }
            }
            return npage;
        }
    }

    /**
     * IOVA → window → entries → userspace shadow for one system page; refuses empty or
     * under-privileged entries, and (for IOMMU pages smaller than a system page) entries that do
     * not map the whole system page contiguously.
     */
    private long userAddress(long io, int prot) {
        DmaWindow w = null;
        for (DmaWindow x : st.windows) {
            if (x != null && x.holds(io)) {
                w = x;
            }
        }
        if (w == null) {
            throw VfioException.of(Errno.EINVAL, "pin: no DMA window holds iova 0x%x", io);
        }
        long ps = w.pageSize();
        long idx = w.index(io);
        long k = Math.max(1, st.pageSize / ps);
        if (idx + k > w.table().size()) {
            throw VfioException.of(
                    Errno.EINVAL, "pin: the page at iova 0x%x runs past its window", io);
        }
        long ua0 = w.table().shadow(idx) + (io & (ps - 1));
        for (long j = 0; j < k; j++) {
            long e = w.table().get(idx + j);
            if (e == 0) {
                throw VfioException.of(
                        Errno.EINVAL, "pin: iova 0x%x is not mapped", w.iovaOf(idx + j));
            }
            if (((prot & DmaProt.READ) != 0 && (e & TceTableGroup.TCE_READ) == 0)
                    || ((prot & DmaProt.WRITE) != 0 && (e & TceTableGroup.TCE_WRITE) == 0)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "pin: iova 0x%x is mapped without %s access",
                        w.iovaOf(idx + j),
                        DmaProt.toString(prot));
            }
            if (j > 0 && w.table().shadow(idx + j) != ua0 + j * ps) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "pin: the TCEs of the page at iova 0x%x are not contiguous",
                        io);
            }
        }
        if (k > 1 && (ua0 & (st.pageSize - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "pin: iova 0x%x maps an unaligned user address 0x%x", io, ua0);
        }
        return ua0;
    }

    /** As {@link #pinPages}: only on a v2 container with external pinning on. */
    void unpinPages(VfioDeviceHandle device, long iova, int npage) {
        synchronized (st.lock) {
            st.checkNotReleased();
            if ((iova & (st.pageSize - 1)) != 0) {
                throw VfioException.of(Errno.EINVAL, "unpin: iova 0x%x is not page aligned", iova);
            }
            // All pages must be pinned by this device before any reference is dropped.
            Map<Long, Integer> wanted = new HashMap<>();
            for (int i = 0; i < npage; i++) {
                long io = iova + ((long) i << st.pageShift);
                ExternalPins.PinnedPage p = st.pins.get(io);
                int need = wanted.merge(io, 1, Integer::sum);
                if (p == null || p.refs(device) < need) {
                    throw VfioException.of(
                            Errno.EINVAL, "unpin: %s has not pinned iova 0x%x", device.name(), io);
                }
            }
            synchronized (st.registry) {
                for (int i = 0; i < npage; i++) {
                    PreregRegion region = st.pins.unpin(iova + ((long) i << st.pageShift), device);
                    releasePinReference(region);
                }
            }
        }
    }

    private void releasePinReference(PreregRegion region) {
        region.mappedDec();
        if (SpaprState.unused(region)) {
            st.freeRegion(region);
        }
    }

    /** Windows with pinned pages, as {iova, length}. */
    List<long[]> pinnedWindowRanges() {
        List<long[]> out = new ArrayList<>();
        for (DmaWindow w : st.windows) {
            if (w != null && st.pins.anyIn(w.busStart(), w.spec().windowSize())) {
                out.add(new long[] {w.busStart(), w.spec().windowSize()});
            }
        }
        return out;
    }

    /** Drops pins a vendor left behind (detach of its group, release) and reports the leak. */
    void dropPinsOf(java.util.function.Predicate<VfioDeviceHandle> which) {
        List<ExternalPins.Dropped> dropped = st.pins.dropDevices(which);
        if (dropped.isEmpty()) {
            return;
        }
        synchronized (st.registry) {
            for (ExternalPins.Dropped d : dropped) {
                for (PreregRegion r : d.regions()) {
                    releasePinReference(r);
                }
            }
        }
        for (ExternalPins.Dropped d : dropped) {
            LOG.warn(
                    "vendor leak: {} kept {} pins on {} pages",
                    d.device().name(),
                    d.references(),
                    d.iovas().size());
            st.events.vendorLeak(
                    new VendorLeak(
                            SpaprTceProvider.NAME, d.device().name(), d.iovas(), d.references()));
        }
    }
}
