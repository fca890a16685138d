package io.vfio4j.spapr;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.api.host.TceTableSpec;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DMA windows: TCE_CREATE, TCE_REMOVE and the pending default window (the kernel's {@code
 * tce_iommu_create_window}, {@code tce_iommu_remove_window}, {@code
 * tce_iommu_create_default_window}). A window's table is charged to the container's address space.
 */
final class DmaWindows {
    private static final Logger LOG = LoggerFactory.getLogger(DmaWindows.class);

    /** The default window always uses 4 KiB IOMMU pages. */
    static final int DEFAULT_WINDOW_PAGE_SHIFT = 12;

    private final SpaprState st;
    private final TceWriter writer;

    DmaWindows(SpaprState st, TceWriter writer) {
        this.st = st;
        this.writer = writer;
    }

    Long create(Task caller, SpaprTceCreate c) {
        synchronized (st.lock) {
            st.mmSet(caller);
            if (st.groups.isEmpty()) {
                throw new VfioException(Errno.ENXIO, "TCE_CREATE: no group attached");
            }
            if (c.argsz() < SpaprTceCreate.MIN_ARGSZ) {
                throw SpaprState.argsz(c.ioctlName(), c.argsz(), SpaprTceCreate.MIN_ARGSZ);
            }
            if (c.flags() != 0) {
                throw VfioException.of(
                        Errno.EINVAL, "TCE_CREATE: flags 0x%x: none are defined", c.flags());
            }
            createDefaultWindow(caller);
            DmaWindow w = createWindow(caller, c.pageShift(), c.windowSize(), c.levels());
            return w.busStart();
        }
    }

    void remove(Task caller, SpaprTceRemove r) {
        int notifications = 0;
        while (true) {
            long[] range;
            synchronized (st.lock) {
                st.mmSet(caller);
                if (st.groups.isEmpty()) {
                    throw new VfioException(Errno.ENXIO, "TCE_REMOVE: no group attached");
                }
                if (r.argsz() < SpaprTceRemove.MIN_ARGSZ) {
                    throw SpaprState.argsz(r.ioctlName(), r.argsz(), SpaprTceRemove.MIN_ARGSZ);
                }
                if (r.flags() != 0) {
                    throw VfioException.of(
                            Errno.EINVAL, "TCE_REMOVE: flags 0x%x: none are defined", r.flags());
                }
                if (st.defWindowPending && r.startAddr() == 0) {
                    // Removing the default window before it exists just cancels it.
                    st.defWindowPending = false;
                    return;
                }
                DmaWindow w = null;
                for (DmaWindow x : st.windows) {
                    if (x != null && x.holds(r.startAddr())) {
                        w = x;
                    }
                }
                if (w == null) {
                    throw VfioException.of(
                            Errno.EINVAL, "TCE_REMOVE: no window holds 0x%x", r.startAddr());
                }
                long length = w.spec().windowSize();
                if (!st.pins.anyIn(w.busStart(), length)) {
                    writer.clear(w, 0, w.table().size());
                    for (GroupMember m : st.groups) {
                        if (!m.tableGroup().hasWindowOps()) {
                            throw new VfioException(
                                    Errno.EPERM,
                                    "TCE_REMOVE: "
                                            + m.handle().describe()
                                            + " cannot unset windows");
                        }
                        m.tableGroup().unsetWindow(w.slot());
                    }
                    freeWindow(w);
                    return;
                }
                if (notifications == SpaprState.MAX_UNMAP_NOTIFICATIONS) {
                    throw st.stuckPins(w.busStart(), length);
                }
                range = new long[] {w.busStart(), length};
            }
            st.notifyUnmap(range[0], range[1]);
            notifications++;
        }
    }

    /** Materialises the pending default window (slot 0, 4 KiB pages, tce32 size, one level). */
    void createDefaultWindow(Task caller) {
        if (!st.defWindowPending) {
            return;
        }
        if (st.groups.isEmpty()) {
            throw new VfioException(Errno.ENODEV, "no group to create the default window for");
        }
        createWindow(caller, DEFAULT_WINDOW_PAGE_SHIFT, st.firstTableGroup().tce32Size(), 1);
        st.defWindowPending = false;
    }

    private DmaWindow createWindow(Task caller, int pageShiftIommu, long windowSize, int levels) {
        int slot = -1;
        for (int i = 0; i < SpaprState.MAX_WINDOWS; i++) {
            if (st.windows[i] == null) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            throw new VfioException(Errno.ENOSPC, "TCE_CREATE: both window slots are in use");
        }
        TceTableGroup tg = st.firstTableGroup();
        if (pageShiftIommu < 0
                || pageShiftIommu > 63
                || (tg.pageSizes() & (1L << pageShiftIommu)) == 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "TCE_CREATE: page shift %d is not in the supported sizes 0x%x",
                    pageShiftIommu,
                    tg.pageSizes());
        }
        if (!tg.hasWindowOps()) {
            throw new VfioException(
                    Errno.EPERM,
                    "TCE_CREATE: platform " + tg.platformType() + " cannot create windows");
        }
        long bytes = tg.tableSize(pageShiftIommu, windowSize, levels);
        if (bytes == 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "TCE_CREATE: the platform cannot build a %d-level table for "
                            + "0x%x bytes of 2^%d pages",
                    levels,
                    windowSize,
                    pageShiftIommu);
        }
        long pages = bytes >>> st.pageShift;
        st.charge(caller, pages, "TCE table");
        TceTableSpec spec;
        try {
            spec = tg.createTable(slot, pageShiftIommu, windowSize, levels);
        } catch (VfioException e) {
            st.mm.uncharge(
                    pages); // Q3: the kernel keeps this charge; a refused request leaves no trace
            throw e;
        }
        DmaWindow w = new DmaWindow(slot, spec, new TceTable(spec), pages);
        List<GroupMember> programmed = new ArrayList<>();
        try {
            for (GroupMember m : st.groups) {
                programmed.add(m);
                m.tableGroup().setWindow(slot, spec, w.table()::get);
            }
        } catch (VfioException e) {
            for (GroupMember m : programmed) {
                m.tableGroup().unsetWindow(slot);
            }
            st.mm.uncharge(pages);
            throw e;
        }
        st.windows[slot] = w;
        LOG.debug(
                "window {} at 0x{}: 2^{} pages, 0x{} bytes, {} levels, {} pages charged",
                slot,
                Long.toHexString(spec.busOffset()),
                pageShiftIommu,
                Long.toHexString(windowSize),
                levels,
                pages);
        return w;
    }

    void freeWindow(DmaWindow w) {
        st.windows[w.slot()] = null;
        st.mm.uncharge(w.chargedPages());
    }
}
