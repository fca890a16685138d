package io.vfio4j.system;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A well-behaved pinning vendor driver (a vGPU-like device) for devices created with {@link
 * io.vfio4j.core.Vfio#createVirtualGroup}: it remembers every reference it holds, unpins exactly
 * those from inside the DMA-unmap callback for the whole notified range, and unpins everything on
 * close. Like i915's GVT-g (kvmgt), it holds its own lock across pin calls and takes the same lock
 * in the DMA-unmap callback. Thread-safe.
 */
final class TestVendor implements VfioDeviceDriver {
    private final Object lock = new Object();

    /** iova -> references this device holds; guarded by {@link #lock}. */
    private final TreeMap<Long, Integer> refs = new TreeMap<>(Long::compareUnsigned);

    private final AtomicLong notifications = new AtomicLong();
    private volatile VfioDevice device;
    private final long pageSize;

    TestVendor(long pageSize) {
        this.pageSize = pageSize;
    }

    @Override
    public void open(VfioDevice d) {
        device = d;
    }

    @Override
    public void close(VfioDevice d) {
        unpinAll();
        device = null;
    }

    @Override
    public Optional<DmaUnmapListener> dmaUnmapListener() {
        return Optional.of(this::dmaUnmap);
    }

    private void dmaUnmap(long iova, long length) {
        notifications.incrementAndGet();
        synchronized (lock) {
            long end = iova + length;
            for (Map.Entry<Long, Integer> e :
                    new TreeMap<>(refs.subMap(iova, true, end - 1, true)).entrySet()) {
                for (int i = 0; i < e.getValue(); i++) {
                    device.unpinPages(e.getKey(), 1);
                }
                refs.remove(e.getKey());
            }
        }
    }

    /**
     * Pins {@code npage} pages from {@code iova}; records them only if the call succeeded.
     *
     * @throws io.vfio4j.api.VfioException as {@link VfioDevice#pinPages}
     */
    int pin(long iova, int npage, int prot) {
        synchronized (lock) {
            VfioDevice d = requireOpen();
            long[] pfns = new long[npage];
            int n = d.pinPages(iova, npage, prot, pfns);
            for (int i = 0; i < npage; i++) {
                refs.merge(iova + i * pageSize, 1, Integer::sum);
            }
            return n;
        }
    }

    /** Drops one reference on each of {@code npage} pages from {@code iova} that it holds. */
    void unpinHeld(long iova, int npage) {
        synchronized (lock) {
            VfioDevice d = requireOpen();
            for (int i = 0; i < npage; i++) {
                long page = iova + i * pageSize;
                Integer r = refs.get(page);
                if (r == null) {
                    continue;
                }
                d.unpinPages(page, 1);
                if (r == 1) {
                    refs.remove(page);
                } else {
                    refs.put(page, r - 1);
                }
            }
        }
    }

    /** Drops every reference it holds. */
    void unpinAll() {
        synchronized (lock) {
            VfioDevice d = device;
            if (d == null) {
                return;
            }
            for (Map.Entry<Long, Integer> e : refs.entrySet()) {
                for (int i = 0; i < e.getValue(); i++) {
                    d.unpinPages(e.getKey(), 1);
                }
            }
            refs.clear();
        }
    }

    /** The IOVAs it holds at least one reference on, ascending. */
    java.util.SortedSet<Long> pinnedIovas() {
        synchronized (lock) {
            return new java.util.TreeSet<>(refs.keySet());
        }
    }

    /** A pinned IOVA chosen by {@code index} (modulo), or empty. */
    Optional<Long> pinnedAt(int index) {
        synchronized (lock) {
            if (refs.isEmpty()) {
                return Optional.empty();
            }
            int i = Math.floorMod(index, refs.size());
            return refs.keySet().stream().skip(i).findFirst();
        }
    }

    long references() {
        synchronized (lock) {
            return refs.values().stream().mapToLong(Integer::longValue).sum();
        }
    }

    long notifications() {
        return notifications.get();
    }

    boolean isOpen() {
        return device != null;
    }

    VfioDevice device() {
        return device;
    }

    private VfioDevice requireOpen() {
        VfioDevice d = device;
        if (d == null) {
            throw new IllegalStateException("the vendor device is not open");
        }
        return d;
    }

    static int rw() {
        return DmaProt.RW;
    }
}
