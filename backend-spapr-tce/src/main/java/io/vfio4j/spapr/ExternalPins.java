package io.vfio4j.spapr;

import io.vfio4j.api.VfioDeviceHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Pages pinned for devices through the external-pinning extension, per container: by IOVA page
 * (host page size), with the frame, the preregistered region the page belongs to and the references
 * each device holds. Guarded by the container lock.
 */
final class ExternalPins {
    private final int pageShift;
    private final LongObjectMap<PinnedPage> pages = new LongObjectMap<>();
    private long references;

    ExternalPins(int pageShift) {
        this.pageShift = pageShift;
    }

    /** One pinned IOVA page. */
    static final class PinnedPage {
        final long pfn;
        final PreregRegion region;
        final List<VfioDeviceHandle> devices = new ArrayList<>(1);
        final List<int[]> counts = new ArrayList<>(1);

        PinnedPage(long pfn, PreregRegion region) {
            this.pfn = pfn;
            this.region = region;
        }

        int refs(VfioDeviceHandle device) {
            int i = devices.indexOf(device);
            return i < 0 ? 0 : counts.get(i)[0];
        }

        int total() {
            int t = 0;
            for (int[] c : counts) {
                t += c[0];
            }
            return t;
        }
    }

    /** A device's references dropped without an unpin (a leak), with the region each one held. */
    record Dropped(
            VfioDeviceHandle device,
            List<Long> iovas,
            long references,
            List<PreregRegion> regions) {}

    long distinctPages() {
        return pages.size();
    }

    long references() {
        return references;
    }

    /** The pinned page at IOVA {@code iova}, or null. */
    PinnedPage get(long iova) {
        return pages.get(iova >>> pageShift);
    }

    /** Adds one reference of {@code device} on the page at {@code iova}. */
    void pin(long iova, long pfn, PreregRegion region, VfioDeviceHandle device) {
        long key = iova >>> pageShift;
        PinnedPage p = pages.get(key);
        if (p == null) {
            p = new PinnedPage(pfn, region);
            pages.put(key, p);
        }
        int i = p.devices.indexOf(device);
        if (i < 0) {
            p.devices.add(device);
            p.counts.add(new int[] {1});
        } else {
            p.counts.get(i)[0]++;
        }
        references++;
    }

    /** Drops one reference of {@code device} on the page at {@code iova}; returns its region. */
    PreregRegion unpin(long iova, VfioDeviceHandle device) {
        long key = iova >>> pageShift;
        PinnedPage p = pages.get(key);
        int i = p.devices.indexOf(device);
        if (--p.counts.get(i)[0] == 0) {
            p.devices.remove(i);
            p.counts.remove(i);
        }
        if (p.devices.isEmpty()) {
            pages.remove(key);
        }
        references--;
        return p.region;
    }

    /** True if a page of {@code [iova, iova + length)} is pinned. */
    boolean anyIn(long iova, long length) {
        if (pages.size() == 0 || length == 0) {
            return false;
        }
        long from = iova >>> pageShift;
        long to = ((iova + length - 1) >>> pageShift) + 1;
        return pages.anyKeyIn(from, to);
    }

    /** Removes every reference of the devices {@code which} accepts; returns them per device. */
    List<Dropped> dropDevices(Predicate<VfioDeviceHandle> which) {
        List<VfioDeviceHandle> found = new ArrayList<>();
        pages.forEach(
                (key, p) -> {
                    for (VfioDeviceHandle d : p.devices) {
                        if (which.test(d) && !found.contains(d)) {
                            found.add(d);
                        }
                    }
                });
        List<Dropped> out = new ArrayList<>();
        for (VfioDeviceHandle d : found) {
            List<Long> keys = new ArrayList<>();
            pages.forEach(
                    (key, p) -> {
                        if (p.refs(d) > 0) {
                            keys.add(key);
                        }
                    });
            keys.sort(Long::compareUnsigned);
            List<Long> iovas = new ArrayList<>();
            List<PreregRegion> regions = new ArrayList<>();
            long refs = 0;
            for (long key : keys) {
                long iova = key << pageShift;
                int n = get(iova).refs(d);
                for (int i = 0; i < n; i++) {
                    regions.add(unpin(iova, d));
                }
                refs += n;
                iovas.add(iova);
            }
            out.add(new Dropped(d, iovas, refs, regions));
        }
        return out;
    }

    /** Visits every pinned page: {@code (iova, page)}. */
    void forEach(java.util.function.BiConsumer<Long, PinnedPage> visitor) {
        pages.forEach((key, p) -> visitor.accept(key << pageShift, p));
    }
}
