package io.vfio4j.iommufd;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.iommufd.NativeObjects.IoasObj;
import java.util.ArrayList;
import java.util.List;

/**
 * Native IOAS_UNMAP (ioas.c {@code iommufd_ioas_unmap}; io_pagetable.c {@code iopt_unmap_iova},
 * {@code iopt_unmap_all}, {@code iopt_unmap_iova_range}): docs/reference/iommufd.md §4.5 U1-U7 with
 * the access notifications of §6 X7 and X8. Each {@link #step()} runs under the context's lock; the
 * emulated devices' callbacks run between steps, on this thread, without it (as the kernel drops
 * the IOVA lock): a vendor that holds its own lock across pins and takes it in the callback cannot
 * deadlock against the unmap.
 */
final class NativeUnmap {
    private final IoasObj io;
    private final long iova;
    private final long last;
    private final boolean all;
    private final VfioEventSink events;
    private long removed;
    private Area notified;
    private int notifications;

    private NativeUnmap(IoasObj io, long iova, long last, boolean all, VfioEventSink events) {
        this.io = io;
        this.iova = iova;
        this.last = last;
        this.all = all;
        this.events = events;
    }

    /** U2, U3: the argument checks; unmaps [iova, iova + length - 1] or all for (0, 2^64 - 1). */
    static NativeUnmap start(IoasObj io, long iova, long length, VfioEventSink events) {
        boolean all = iova == 0 && length == -1L;
        if (all) {
            return new NativeUnmap(io, 0, -1L, true, events);
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
        return new NativeUnmap(io, iova, last, false, events);
    }

    long removed() {
        return removed;
    }

    /** The area the accesses are to be told about after {@link #step()} asked for it. */
    Area notified() {
        return notified;
    }

    /**
     * U4-U6 under the context's lock: removes the areas it can; returns null when the walk is done
     * ({@link #removed()}), or the unmap callbacks to call, without the lock, for {@link
     * #notified()} (X7), after which the caller steps again.
     */
    List<DmaUnmapListener> step() {
        Ioas ioas = io.ioas();
        while (true) {
            Area a = ioas.firstIntersecting(iova, last);
            if (a == null) {
                if (removed == 0 && !all) {
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
            if (notifications == CompatContainer.UNMAP_NOTIFY_LIMIT) {
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
            return new ArrayList<>(io.access().accesses.values());
        }
    }

    /**
     * IOAS destruction and context release: every area goes, without notifications (O9); pins an
     * access left behind are a WARN and dropped, as the compat container's release does.
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
