package io.vfio4j.iommufd;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.iommufd.NativeObjects.IoasObj;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The unmap walk of an IOAS, for native IOAS_UNMAP and the compat container's UNMAP_DMA alike
 * (ioas.c {@code iommufd_ioas_unmap}; io_pagetable.c {@code iopt_unmap_iova}, {@code
 * iopt_unmap_all}, {@code iopt_unmap_iova_range}): docs/reference/iommufd.md §4.5 U4-U6 with the
 * access notifications of §6 X7 and X8. Each {@link #step()} runs under the owner's lock; the
 * emulated devices' callbacks run between steps, on this thread, without it (as the kernel drops
 * the IOVA lock): a vendor that holds its own lock across pins and takes it in the callback cannot
 * deadlock against the unmap.
 */
final class UnmapWalk {
    /** Notifications of one area after which an unmap gives up (X8: the 101st, then EDEADLK). */
    static final int UNMAP_NOTIFY_LIMIT = 101;

    private final Ioas ioas;
    private final AccessPins access;
    private final long iova;
    private final long last;
    private final boolean all;
    // An empty range is ENOENT natively; the compat container answers it per era (IOMMUFD-6).
    private final boolean emptyIsEnoent;
    private final VfioEventSink events;
    private long removed;
    private Area notified;
    private int notifications;

    /** Unmaps the areas inside [iova, last]; {@code all} for the whole space. */
    UnmapWalk(
            Ioas ioas,
            AccessPins access,
            long iova,
            long last,
            boolean all,
            boolean emptyIsEnoent,
            VfioEventSink events) {
        this.ioas = ioas;
        this.access = access;
        this.iova = iova;
        this.last = last;
        this.all = all;
        this.emptyIsEnoent = emptyIsEnoent;
        this.events = events;
    }

    /** U2, U3: the argument checks; unmaps [iova, iova + length - 1] or all for (0, 2^64 - 1). */
    static UnmapWalk start(IoasObj io, long iova, long length, VfioEventSink events) {
        boolean all = iova == 0 && length == -1L;
        if (all) {
            return new UnmapWalk(io.ioas(), io.access(), 0, -1L, true, true, events);
        }
        if (iova == -1L || length == -1L) {
            throw VfioException.of(Errno.EOVERFLOW, "IOAS_UNMAP iova or length is 2^64 - 1");
        }
        if (length == 0) {
            throw VfioException.of(Errno.EINVAL, "IOAS_UNMAP length 0");
        }
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "iova 0x%x + 0x%x wraps", iova, length);
        }
        return new UnmapWalk(io.ioas(), io.access(), iova, last, false, true, events);
    }

    /**
     * Walks to the end: each step under {@code underLock}, the callbacks between steps without it.
     * Returns the bytes removed.
     */
    long run(Function<Supplier<List<DmaUnmapListener>>, List<DmaUnmapListener>> underLock) {
        while (true) {
            List<DmaUnmapListener> tell = underLock.apply(this::step);
            if (tell == null) {
                return removed;
            }
            for (DmaUnmapListener l : tell) {
                l.dmaUnmap(notified.iova, notified.length);
            }
        }
    }

    /**
     * U4-U6 under the owner's lock: removes the areas it can; returns null when the walk is done,
     * or the unmap callbacks to call, without the lock, for the area being notified (X7), after
     * which the walk steps again.
     */
    private List<DmaUnmapListener> step() {
        while (true) {
            Area a = ioas.firstIntersecting(iova, last);
            if (a == null) {
                if (removed == 0 && !all && emptyIsEnoent) {
                    throw VfioException.of(Errno.ENOENT, "no mapping in [0x%x, 0x%x]", iova, last);
                }
                return null;
            }
            if (Long.compareUnsigned(a.iova, iova) < 0
                    || Long.compareUnsigned(a.last(), last) > 0) {
                throw VfioException.of(
                        Errno.ENOENT,
                        "%s is not inside [0x%x, 0x%x] (%d bytes removed before)",
                        a,
                        iova,
                        last,
                        removed);
            }
            if (!a.hasAccessPins()) {
                ioas.remove(a);
                removed += a.length;
                notified = null;
                notifications = 0;
                continue;
            }
            if (a != notified) {
                notified = a;
                notifications = 0;
            }
            if (notifications == UNMAP_NOTIFY_LIMIT) {
                // X8: WARN_ON(tries > 100); the area stays, with new pins refused.
                events.kernelWarn(
                        String.format(
                                java.util.Locale.ROOT,
                                "iommufd: %s still has access pins after %d unmap notifications",
                                a,
                                notifications));
                throw VfioException.of(
                        Errno.EDEADLK,
                        "%s: the accesses did not release their pins (%d bytes removed before)",
                        a,
                        removed);
            }
            // X7: new pins in the area fail from now on; every access of the IOAS is told.
            a.preventAccess = true;
            notifications++;
            return new ArrayList<>(access.accesses.values());
        }
    }

    /**
     * IOAS destruction, context and compat container release: every area goes, without
     * notifications (O9); pins an access left behind are a WARN and dropped (IOMMUFD-9).
     */
    static long unmapAll(Ioas ioas, VfioEventSink events) {
        long removed = 0;
        for (Area a : new ArrayList<>(ioas.areas.values())) {
            if (a.hasAccessPins()) {
                events.kernelWarn(a + " still has access pins at release; vfio4j drops them");
                for (Area.IndexRange r : new ArrayList<>(a.accessRecords.keySet())) {
                    a.accessRecords.remove(r);
                    a.pages.release(r.first(), r.last());
                }
            }
            ioas.remove(a);
            removed += a.length;
        }
        return removed;
    }
}
