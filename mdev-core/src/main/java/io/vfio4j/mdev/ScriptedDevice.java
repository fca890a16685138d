package io.vfio4j.mdev;

import io.vfio4j.core.VfioDevice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The emulation of a {@link ScriptedVendor}'s device: it pins and unpins only when its driver (a
 * test, the conformance kit, a scenario step) tells it to, keeps what it holds in {@link
 * PinnedPages}, and answers the core's callbacks as its {@link VendorBehaviour} says:
 *
 * <ul>
 *   <li>DMA unmap: records the notification; releases every reference it holds in the range, unless
 *       it {@link VendorBehaviour#IGNORES_UNMAP ignores unmaps} or {@link
 *       VendorBehaviour#UNPINS_ONE_PAGE unpins one page} per notification;
 *   <li>close: releases everything it holds, unless it {@link VendorBehaviour#LEAKS_ON_CLOSE
 *       leaks}: then it forgets its pins and leaves them to the backend.
 * </ul>
 *
 * Its register space is empty: every region access is EINVAL. Thread-safe.
 */
public final class ScriptedDevice implements MdevDeviceOps {
    /** A DMA-unmap notification: the whole mapping's range. */
    public record Notification(long iova, long length) {}

    private final VendorBehaviour behaviour;
    private final long pageSize;
    private final List<Notification> notifications = new ArrayList<>();

    /** Set at open, cleared at close. */
    private volatile PinnedPages pinned;

    public ScriptedDevice(VendorBehaviour behaviour, long pageSize) {
        this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
        if (pageSize < 4096 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("bad page size " + pageSize);
        }
        this.pageSize = pageSize;
    }

    public VendorBehaviour behaviour() {
        return behaviour;
    }

    @Override
    public boolean pinsPages() {
        return behaviour != VendorBehaviour.NO_DMA_UNMAP;
    }

    @Override
    public void open(VfioDevice device) {
        pinned = new PinnedPages(device, pageSize);
    }

    @Override
    public void close(VfioDevice device) {
        PinnedPages p = pinned;
        if (p != null && behaviour != VendorBehaviour.LEAKS_ON_CLOSE) {
            p.releaseAll();
        }
        pinned = null;
    }

    @Override
    public void dmaUnmap(long iova, long length) {
        synchronized (notifications) {
            notifications.add(new Notification(iova, length));
        }
        PinnedPages p = pinned;
        if (p == null || behaviour == VendorBehaviour.IGNORES_UNMAP) {
            return;
        }
        if (behaviour == VendorBehaviour.UNPINS_ONE_PAGE) {
            p.releaseLowest(iova, length);
        } else {
            p.releaseRange(iova, length);
        }
    }

    /** True between the first open and the last close. */
    public boolean isOpen() {
        return pinned != null;
    }

    /**
     * The open device, through which every pin goes.
     *
     * @throws IllegalStateException if the device is not open
     */
    public VfioDevice device() {
        return open().device();
    }

    /**
     * Pins {@code npage} pages from {@code iova} in one {@code vfio_pin_pages} call and, on
     * success, holds them.
     *
     * @return {@code npage}
     * @throws io.vfio4j.api.VfioException the core's or the backend's refusal, as it is; nothing is
     *     pinned or held then
     * @throws IllegalStateException if the device is not open
     */
    public int pin(long iova, int npage, int prot) {
        PinnedPages p = open();
        if (!aligned(iova)) {
            // The core and the backend judge an unaligned IOVA (type1: EINVAL); nothing to hold.
            return p.device().pinPages(iova, npage, prot, new long[Math.max(npage, 0)]);
        }
        p.pin(iova, npage, prot);
        return npage;
    }

    /**
     * Calls {@code vfio_unpin_pages} with exactly these arguments, then drops one held reference of
     * each page in the range. Unlike {@link PinnedPages#unpin} it also unpins pages it does not
     * hold: the caller scripts the vendor, bugs included.
     *
     * @throws IllegalStateException if the device is not open
     */
    public void unpin(long iova, int npage) {
        PinnedPages p = open();
        p.device().unpinPages(iova, npage);
        if (aligned(iova)) {
            p.forget(iova, npage);
        }
    }

    /**
     * Drops one held reference of each page in the range without unpinning, for a caller that
     * unpinned through {@link #device()} itself.
     */
    public void forget(long iova, int npage) {
        PinnedPages p = pinned;
        if (p != null && aligned(iova)) {
            p.forget(iova, npage);
        }
    }

    /**
     * As {@link #forget(long, int)} for the part inside one mapping of an earlier pin call (see
     * {@link PinnedPages#forget(long, long, long, long)}).
     */
    public void forget(long iova, int npage, long mappingIova, long mappingPages) {
        PinnedPages p = pinned;
        if (p != null && aligned(iova)) {
            p.forget(iova, npage, mappingIova, mappingPages);
        }
    }

    /** The pages held now (IOVA to references), in ascending IOVA order; empty when closed. */
    public Map<Long, Integer> held() {
        Map<Long, Integer> out = new LinkedHashMap<>();
        PinnedPages p = pinned;
        if (p != null) {
            synchronized (p) {
                for (long iova : p.iovas()) {
                    out.put(iova, p.references(iova));
                }
            }
        }
        return out;
    }

    /** Every DMA-unmap notification received, in order. */
    public List<Notification> notifications() {
        synchronized (notifications) {
            return List.copyOf(notifications);
        }
    }

    @Override
    public long regionSize() {
        return 0;
    }

    @Override
    public byte[] read(long offset, int length) {
        throw new IllegalStateException("a scripted device has no registers");
    }

    @Override
    public void write(long offset, byte[] data) {
        throw new IllegalStateException("a scripted device has no registers");
    }

    private PinnedPages open() {
        PinnedPages p = pinned;
        if (p == null) {
            throw new IllegalStateException("the scripted device is not open");
        }
        return p;
    }

    private boolean aligned(long iova) {
        return (iova & (pageSize - 1)) == 0;
    }
}
