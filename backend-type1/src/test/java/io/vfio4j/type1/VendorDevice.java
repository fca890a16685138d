package io.vfio4j.type1;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A vendor driver's device (an mdev) that pins through the backend and keeps its own record of what
 * it holds, as a real vendor driver must. Its DMA-unmap behaviour is chosen per test.
 */
class VendorDevice implements VfioDeviceHandle, DmaUnmapListener {
    enum Behaviour {
        /** Unpins everything it holds in the range. */
        WELL_BEHAVED,
        /** Unpins one page per notification. */
        ONE_PAGE_PER_CALL,
        /** Keeps its pins (a vendor bug). */
        IGNORES
    }

    private final String name;
    private final VfioGroupHandle group;
    private final VfioIommuDriverOps ops;
    private final long pageSize;
    Behaviour behaviour;

    /** IOVA page address -> references this device holds. */
    final TreeMap<Long, Integer> held = new TreeMap<>(Long::compareUnsigned);

    final List<long[]> notifications = new ArrayList<>();

    VendorDevice(
            String name,
            VfioGroupHandle group,
            VfioIommuDriverOps ops,
            long pageSize,
            Behaviour b) {
        this.name = name;
        this.group = group;
        this.ops = ops;
        this.pageSize = pageSize;
        this.behaviour = b;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public VfioGroupHandle group() {
        return group;
    }

    void register() {
        ops.registerDevice(this, this);
    }

    /** Pins {@code n} pages from {@code iova}; returns the pfns. */
    long[] pin(long iova, int n, int prot) {
        long[] pfns = new long[n];
        ops.pinPages(this, iova, n, prot, pfns);
        for (int i = 0; i < n; i++) {
            held.merge(iova + i * pageSize, 1, Integer::sum);
        }
        return pfns;
    }

    /** Pins {@code pages} pages from {@code iova} in calls of at most 512. */
    void pinMany(long iova, long pages, int prot) {
        for (long done = 0; done < pages; ) {
            int n = (int) Math.min(512, pages - done);
            pin(iova + done * pageSize, n, prot);
            done += n;
        }
    }

    void unpin(long iova, int n) {
        ops.unpinPages(this, iova, n);
        for (int i = 0; i < n; i++) {
            held.computeIfPresent(iova + i * pageSize, (k, v) -> v == 1 ? null : v - 1);
        }
    }

    void unpinAll() {
        for (Map.Entry<Long, Integer> e : new ArrayList<>(held.entrySet())) {
            for (int r = 0; r < e.getValue(); r++) {
                ops.unpinPages(this, e.getKey(), 1);
            }
        }
        held.clear();
    }

    @Override
    public void dmaUnmap(long iova, long length) {
        notifications.add(new long[] {iova, length});
        long last = iova + length - 1;
        List<Long> inRange = new ArrayList<>(held.subMap(iova, true, last, true).keySet());
        switch (behaviour) {
            case WELL_BEHAVED -> {
                for (long page : inRange) {
                    int refs = held.get(page);
                    for (int r = 0; r < refs; r++) {
                        ops.unpinPages(this, page, 1);
                    }
                    held.remove(page);
                }
            }
            case ONE_PAGE_PER_CALL -> {
                if (!inRange.isEmpty()) {
                    long page = inRange.get(0);
                    int refs = held.get(page);
                    for (int r = 0; r < refs; r++) {
                        ops.unpinPages(this, page, 1);
                    }
                    held.remove(page);
                }
            }
            case IGNORES -> {}
        }
    }
}
