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
 * the access notifications of §6 X7 and X8. The caller holds the context's monitor; the emulated
 * devices' callbacks run on this thread and may unpin (the monitor is reentrant).
 */
final class NativeUnmap {
    private NativeUnmap() {}

    /** Unmaps [iova, iova + length - 1], or everything for (0, 2^64 - 1); returns the bytes. */
    static long unmap(IoasObj io, long iova, long length, VfioEventSink events) {
        boolean all = iova == 0 && length == -1L;
        long last = -1L;
        if (!all) {
            if (iova == -1L || length == -1L) {
                throw VfioException.of(Errno.EOVERFLOW, "IOAS_UNMAP iova or length is 2^64 - 1");
            }
            if (length == 0) {
                throw VfioException.of(Errno.EINVAL, "IOAS_UNMAP length 0");
            }
            last = iova + length - 1;
            if (Long.compareUnsigned(last, iova) < 0) {
                throw VfioException.of(Errno.EOVERFLOW, "iova 0x%x + 0x%x wraps", iova, length);
            }
        }
        Ioas ioas = io.ioas();
        long removed = 0;
        Area notified = null;
        int notifications = 0;
        while (true) {
            Area a = ioas.firstIntersecting(iova, last);
            if (a == null) {
                if (removed == 0 && !all) {
                    throw VfioException.of(Errno.ENOENT, "no mapping in [0x%x, 0x%x]", iova, last);
                }
                return removed;
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
            List<DmaUnmapListener> tell = new ArrayList<>(io.access().accesses.values());
            notifications++;
            for (DmaUnmapListener l : tell) {
                l.dmaUnmap(a.iova, a.length);
            }
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
