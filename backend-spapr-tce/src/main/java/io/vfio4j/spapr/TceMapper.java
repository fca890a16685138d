package io.vfio4j.spapr;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.host.Task;
import java.util.Optional;

/**
 * MAP_DMA and UNMAP_DMA: argument and window checks, then {@link TceWriter} builds or clears the
 * entries. A request over externally pinned pages first notifies the vendors, with the container
 * lock released, and starts again.
 */
final class TceMapper {
    private final SpaprState st;
    private final DmaWindows dmaWindows;
    private final TceWriter writer;

    TceMapper(SpaprState st, DmaWindows dmaWindows, TceWriter writer) {
        this.st = st;
        this.dmaWindows = dmaWindows;
        this.writer = writer;
    }

    void map(Task caller, MapDma m) {
        int notifications = 0;
        while (true) {
            synchronized (st.lock) {
                if (!st.enabled) {
                    throw new VfioException(
                            Errno.EPERM,
                            "MAP_DMA: the container is not enabled"
                                    + (st.v2
                                            ? " (no memory registered yet)"
                                            : " (VFIO_IOMMU_ENABLE first)"));
                }
                if (m.argsz() < MapDma.MIN_ARGSZ) {
                    throw SpaprState.argsz(m.ioctlName(), m.argsz(), MapDma.MIN_ARGSZ);
                }
                if ((m.flags() & ~(MapDma.READ | MapDma.WRITE)) != 0) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "MAP_DMA: flags 0x%x: only READ and WRITE exist",
                            m.flags());
                }
                dmaWindows.createDefaultWindow(caller);
                DmaWindow w = window(m.iova(), "MAP_DMA");
                long mask = w.pageSize() - 1;
                if (((m.size() | m.vaddr()) & mask) != 0) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "MAP_DMA: vaddr 0x%x or size 0x%x is not a multiple of "
                                    + "the window's 0x%x-byte IOMMU page",
                            m.vaddr(),
                            m.size(),
                            w.pageSize());
                }
                int prot = (m.flags() & MapDma.READ) != 0 ? DmaProt.READ : 0;
                prot |= (m.flags() & MapDma.WRITE) != 0 ? DmaProt.WRITE : 0;
                if (prot == 0) {
                    throw new VfioException(
                            Errno.EINVAL, "MAP_DMA: neither READ nor WRITE requested");
                }
                long n = checkRange(w, m.iova(), m.size(), "MAP_DMA");
                if (n == 0) {
                    return;
                }
                if (!st.pins.anyIn(m.iova(), m.size())) {
                    if (st.v2) {
                        writer.buildV2(w, m.iova(), m.vaddr(), n, prot);
                    } else {
                        writer.buildV1(w, m.iova(), m.vaddr(), n, prot);
                    }
                    return;
                }
                if (st.v2) {
                    // Refuse a MAP that cannot succeed before the vendors are told to unpin:
                    // a refused request leaves no trace.
                    writer.checkV2(w, m.vaddr(), n);
                }
                if (notifications == SpaprState.MAX_UNMAP_NOTIFICATIONS) {
                    throw st.stuckPins(m.iova(), m.size());
                }
            }
            // A replacing MAP over pinned pages: the vendor must unpin first.
            st.notifyUnmap(m.iova(), m.size());
            notifications++;
        }
    }

    UnmapDma.Result unmap(Task caller, UnmapDma u) {
        int notifications = 0;
        while (true) {
            synchronized (st.lock) {
                if (!st.enabled) {
                    throw new VfioException(Errno.EPERM, "UNMAP_DMA: the container is not enabled");
                }
                if (u.argsz() < UnmapDma.MIN_ARGSZ) {
                    throw SpaprState.argsz(u.ioctlName(), u.argsz(), UnmapDma.MIN_ARGSZ);
                }
                if (u.flags() != 0) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "UNMAP_DMA: flags 0x%x: SPAPR TCE supports none",
                            u.flags());
                }
                dmaWindows.createDefaultWindow(caller);
                DmaWindow w = window(u.iova(), "UNMAP_DMA");
                if ((u.size() & (w.pageSize() - 1)) != 0) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "UNMAP_DMA: size 0x%x is not a multiple of the window's "
                                    + "0x%x-byte IOMMU page",
                            u.size(),
                            w.pageSize());
                }
                long n = checkRange(w, u.iova(), u.size(), "UNMAP_DMA");
                if (!st.pins.anyIn(u.iova(), u.size())) {
                    writer.clear(w, w.index(u.iova()), n);
                    // The kernel does not write size back: userspace reads its own value.
                    return new UnmapDma.Result(u.size(), Optional.empty());
                }
                if (notifications == SpaprState.MAX_UNMAP_NOTIFICATIONS) {
                    throw st.stuckPins(u.iova(), u.size());
                }
            }
            st.notifyUnmap(u.iova(), u.size());
            notifications++;
        }
    }

    /**
     * The IOVA checks after the window lookup: alignment (Q1: the kernel returns +1, we refuse with
     * EINVAL) and the last entry inside the window (Q2: the kernel checks only the first). Returns
     * the number of entries.
     */
    private static long checkRange(DmaWindow w, long iova, long size, String op) {
        if ((iova & (w.pageSize() - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: iova 0x%x is not aligned to the window's 0x%x-byte IOMMU page",
                    op,
                    iova,
                    w.pageSize());
        }
        long n = size >>> w.pageShift();
        if (n > w.table().size() - w.index(iova)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: [0x%x, +0x%x) runs past the end of the window at 0x%x",
                    op,
                    iova,
                    size,
                    w.busStart());
        }
        return n;
    }

    private DmaWindow window(long iova, String op) {
        for (DmaWindow w : st.windows) {
            if (w != null && w.holds(iova)) {
                return w;
            }
        }
        throw VfioException.of(Errno.ENXIO, "%s: no DMA window holds iova 0x%x", op, iova);
    }
}
