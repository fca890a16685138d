package io.vfio4j.tck;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A cooperative vendor driver (a well-behaved mdev): it remembers every page it pinned, and when
 * the backend tells it of a DMA unmap it unpins every page it holds in that range before it
 * returns, as the contract requires. Its last close unpins whatever is left.
 */
public final class TckVendorDriver implements VfioDeviceDriver {
    /** A DMA-unmap notification: the whole mapping's range. */
    public record Notification(long iova, long length) {}

    private final long pageSize;
    private final TreeMap<Long, Integer> held = new TreeMap<>(Long::compareUnsigned);
    private final List<Notification> notifications = new ArrayList<>();
    private VfioDevice device;

    TckVendorDriver(long pageSize) {
        this.pageSize = pageSize;
    }

    @Override
    public synchronized void open(VfioDevice device) {
        this.device = device;
    }

    @Override
    public void close(VfioDevice closing) {
        for (Map.Entry<Long, Integer> e : snapshot(0, -1).entrySet()) {
            unpinHeld(closing, e.getKey(), e.getValue());
        }
        synchronized (this) {
            device = null;
        }
    }

    @Override
    public Optional<DmaUnmapListener> dmaUnmapListener() {
        return Optional.of(this::dmaUnmap);
    }

    private void dmaUnmap(long iova, long length) {
        VfioDevice d;
        synchronized (this) {
            notifications.add(new Notification(iova, length));
            d = device;
        }
        for (Map.Entry<Long, Integer> e : snapshot(iova, length).entrySet()) {
            unpinHeld(d, e.getKey(), e.getValue());
        }
    }

    private void unpinHeld(VfioDevice d, long iova, int references) {
        for (int i = 0; i < references; i++) {
            d.unpinPages(iova, 1);
        }
        synchronized (this) {
            held.remove(iova);
        }
    }

    private synchronized Map<Long, Integer> snapshot(long iova, long length) {
        if (length < 0) {
            return new TreeMap<>(held);
        }
        return new TreeMap<>(held.subMap(iova, true, iova + length - 1, true));
    }

    /** The open device; pins go through it. */
    public synchronized VfioDevice device() {
        if (device == null) {
            throw new IllegalStateException("the vendor device is not open");
        }
        return device;
    }

    /**
     * Pins {@code npage} pages from {@code iova} read-write and remembers them on success.
     *
     * @return the backend's answer, {@code npage}
     */
    public int pin(long iova, int npage) {
        int n = device().pinPages(iova, npage, DmaProt.RW, new long[npage]);
        synchronized (this) {
            for (int i = 0; i < npage; i++) {
                held.merge(iova + i * pageSize, 1, Integer::sum);
            }
        }
        return n;
    }

    /**
     * Unpins {@code npage} pages from {@code iova} and forgets one reference of each page it held
     * there. Use {@link #forget} instead when the backend may stop early (a hole in the range).
     */
    public void unpin(long iova, int npage) {
        device().unpinPages(iova, npage);
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < npage; i++) {
            pages.add(iova + i * pageSize);
        }
        forget(pages);
    }

    /** Drops one remembered reference of each of these pages, where held. */
    public synchronized void forget(Collection<Long> pages) {
        for (long p : pages) {
            held.computeIfPresent(p, (k, v) -> v == 1 ? null : v - 1);
        }
    }

    /** Pages held now, with their references. */
    public synchronized Map<Long, Integer> held() {
        return new TreeMap<>(held);
    }

    /** Every DMA-unmap notification received, in order. */
    public synchronized List<Notification> notifications() {
        return List.copyOf(notifications);
    }
}
