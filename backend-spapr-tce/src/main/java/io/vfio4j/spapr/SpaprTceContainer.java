package io.vfio4j.spapr;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprDisable;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.Task;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SPAPR TCE container (the kernel's {@code struct tce_container}), v1 or v2. Rules and check
 * order follow docs/reference/spapr-tce.md §2, §3 and §7 (the quirks take the project's recommended
 * choices, see docs/deviations.md, "SPAPR TCE"). The work is split as in the kernel's tce_iommu.c:
 * {@link GroupAttacher}, {@link DmaWindows}, {@link Preregistration}, {@link TceMapper} and {@link
 * TceWriter}, {@link ExternalPinning}, {@link InfoAndEeh}; they share one {@link SpaprState}.
 *
 * <p>Locking: {@link SpaprState#lock} guards the container (the kernel's {@code container->lock});
 * a {@link PreregRegistry}'s monitor is taken inside it for region counters. DMA-unmap listeners
 * are called with neither held.
 */
final class SpaprTceContainer implements VfioIommuDriverOps {
    private static final Logger LOG = LoggerFactory.getLogger(SpaprTceContainer.class);

    private final SpaprState st;
    private final TceWriter writer;
    private final DmaWindows dmaWindows;
    private final Preregistration prereg;
    private final TceMapper mapper;
    private final ExternalPinning pinning;
    private final GroupAttacher attacher;
    private final InfoAndEeh info;

    SpaprTceContainer(HostView host, boolean v2, boolean externalPinning, VfioEventSink events) {
        this(host, v2, externalPinning, events, SpaprEra.of(KernelVersion.BASELINE));
    }

    SpaprTceContainer(
            HostView host,
            boolean v2,
            boolean externalPinning,
            VfioEventSink events,
            SpaprEra era) {
        this.st = new SpaprState(host, v2, externalPinning, events, era);
        this.writer = new TceWriter(st);
        this.dmaWindows = new DmaWindows(st, writer);
        this.prereg = new Preregistration(st);
        this.mapper = new TceMapper(st, dmaWindows, writer);
        this.pinning = new ExternalPinning(st);
        this.attacher = new GroupAttacher(st, writer, pinning);
        this.info = new InfoAndEeh(st);
    }

    @Override
    public void attachGroup(VfioGroupHandle group) {
        attacher.attachGroup(group);
    }

    @Override
    public void detachGroup(VfioGroupHandle group) {
        attacher.detachGroup(group);
    }

    @Override
    public int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        if (!st.externalPinning || !st.v2) {
            return VfioIommuDriverOps.super.pinPages(device, iova, npage, prot, pfns);
        }
        return pinning.pinPages(device, iova, npage, prot, pfns);
    }

    @Override
    public void unpinPages(VfioDeviceHandle device, long iova, int npage) {
        if (!st.externalPinning || !st.v2) {
            VfioIommuDriverOps.super.unpinPages(device, iova, npage);
            return;
        }
        pinning.unpinPages(device, iova, npage);
    }

    @Override
    public <R> R execute(Task caller, VfioCommand<R> command) {
        if (command instanceof CheckExtension c) {
            return cast(SpaprTceProvider.extensionSupported(c.extension(), st.host));
        }
        synchronized (st.lock) {
            st.checkNotReleased();
            // Once an address space is cached, every other one is refused, before the command
            // is even looked at (so unknown commands get EPERM too).
            AddressSpace callerMm = caller.addressSpace().orElse(null);
            if (st.mm != null && (callerMm == null || callerMm.id() != st.mm.id())) {
                throw VfioException.of(
                        Errno.EPERM,
                        "%s: the container belongs to address space %d of pid %d, "
                                + "caller is pid %d",
                        command.ioctlName(),
                        st.mm.id(),
                        st.mm.ownerPid(),
                        caller.pid());
            }
        }
        Object result;
        if (command instanceof SpaprTceGetInfo c) {
            result = info.getInfo(c);
        } else if (command instanceof MapDma c) {
            mapper.map(caller, c);
            result = null;
        } else if (command instanceof UnmapDma c) {
            result = mapper.unmap(caller, c);
        } else if (command instanceof SpaprEnable && !st.v2) {
            prereg.enable(caller);
            result = null;
        } else if (command instanceof SpaprDisable && !st.v2) {
            prereg.disable();
            result = null;
        } else if (command instanceof SpaprRegisterMemory c && st.v2) {
            prereg.register(caller, c.argsz(), c.flags(), c.vaddr(), c.size());
            result = null;
        } else if (command instanceof DirtyPages c && st.v2) {
            // DIRTY_PAGES shares REGISTER_MEMORY's ioctl number: v2 parses it as REGISTER.
            prereg.register(caller, c.argsz(), c.flags(), c.iova(), c.size());
            result = new DirtyPages.Result(Optional.empty());
        } else if (command instanceof SpaprUnregisterMemory c && st.v2) {
            prereg.unregister(c);
            result = null;
        } else if (command instanceof SpaprTceCreate c && st.v2) {
            result = dmaWindows.create(caller, c);
        } else if (command instanceof SpaprTceRemove c && st.v2) {
            dmaWindows.remove(caller, c);
            result = null;
        } else if (command instanceof EehPeOp c) {
            result = info.eehPeOp(c);
        } else {
            throw new VfioException(
                    Errno.ENOTTY,
                    command.ioctlName()
                            + " is not a SPAPR TCE "
                            + (st.v2 ? "v2" : "v1")
                            + " container ioctl");
        }
        return cast(result);
    }

    @SuppressWarnings("unchecked")
    private static <R> R cast(Object value) {
        return (R) value;
    }

    @Override
    public void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {
        synchronized (st.lock) {
            st.listeners.put(device, listener);
        }
    }

    @Override
    public void unregisterDevice(VfioDeviceHandle device) {
        synchronized (st.lock) {
            st.listeners.remove(device);
        }
    }

    @Override
    public void release() {
        while (true) {
            VfioGroupHandle next;
            synchronized (st.lock) {
                if (st.released) {
                    return;
                }
                next = st.groups.isEmpty() ? null : st.groups.get(0).handle();
            }
            if (next == null) {
                break;
            }
            attacher.detachGroup(next);
        }
        synchronized (st.lock) {
            for (DmaWindow w : st.windows) {
                if (w != null) {
                    writer.clear(w, 0, w.table().size());
                    dmaWindows.freeWindow(w);
                }
            }
            if (st.pins.references() > 0) {
                pinning.dropPinsOf(d -> true);
            }
            if (st.registry != null) {
                synchronized (st.registry) {
                    for (PreregRegion r : st.preregs) {
                        prereg.dropRegionReference(r);
                    }
                }
            }
            st.preregs.clear();
            prereg.disable();
            if (st.mm != null) {
                st.mm.release();
            }
            st.released = true;
            LOG.debug("spapr-tce {} container released", st.v2 ? "v2" : "v1");
        }
    }

    @Override
    public BackendState state() {
        synchronized (st.lock) {
            long live = 0;
            long bytes = 0;
            long tablePages = 0;
            int windowCount = 0;
            for (DmaWindow w : st.windows) {
                if (w != null) {
                    windowCount++;
                    live += w.table().live();
                    bytes += w.table().live() << w.pageShift();
                    tablePages += w.chargedPages();
                }
            }
            Map<String, Long> details = new LinkedHashMap<>();
            details.put("windows", (long) windowCount);
            details.put("tablePages", tablePages);
            details.put("registeredRegions", (long) st.preregs.size());
            details.put("enabled", st.enabled ? 1L : 0L);
            details.put("defaultWindowPending", st.defWindowPending ? 1L : 0L);
            details.put("enableLockedPages", st.lockedPages);
            details.put("groups", (long) st.groups.size());
            // The address space the container cached (tce_iommu_mm_set), by id; 0 while unset.
            details.put("cachedMm", st.mm == null ? 0L : st.mm.id());
            return new BackendState(
                    live, bytes, -1, st.pins.distinctPages(), st.pins.references(), details);
        }
    }

    /**
     * Reports: charges — the v1 ENABLE charge and every window table (share key null), every region
     * of the address space's list (share key: the region, counted once over containers); pinned
     * frames — one pin per live v1 TCE (share key null), one pin per frame of every such region
     * (share key: the region); external pins take no frame pin of their own, so they add nothing;
     * entries — live TCEs against the total entries of the windows.
     */
    @Override
    public void audit(AuditSink sink) {
        synchronized (st.lock) {
            long live = 0;
            long limit = 0;
            for (DmaWindow w : st.windows) {
                if (w == null) {
                    continue;
                }
                live += w.table().live();
                limit += w.table().size();
                sink.charged(st.mm, null, w.chargedPages());
                if (!st.v2) {
                    auditV1Pins(w, sink);
                }
            }
            if (st.lockedPages > 0) {
                sink.charged(st.mm, null, st.lockedPages);
            }
            if (st.registry != null) {
                synchronized (st.registry) {
                    // Every region of the address space, not only this container's: a region
                    // whose last container reference went at release while TCEs of another
                    // container still map into it stays pinned and charged with no referencing
                    // container (docs/reference/spapr-tce.md §7 Q4); the share key counts each
                    // region once.
                    for (PreregRegion r : st.registry.regions()) {
                        sink.charged(st.mm, r, r.entries());
                        r.forEachRun((pfn, pages) -> sink.pinned(r, pfn, pages, 1));
                    }
                    for (PreregRegion r : st.preregs) {
                        if (r.mapped() < 1 || r.used() < 1) {
                            sink.violation(
                                    r + " is referenced by a container but has bad counters");
                        }
                    }
                }
            }
            sink.entries(live, limit - live, limit);
        }
    }

    /** One pin per live v1 TCE, folded per frame (4 KiB TCEs put several pins on a frame). */
    private void auditV1Pins(DmaWindow w, AuditSink sink) {
        TceTable t = w.table();
        long frame = -1;
        long count = 0;
        for (long i = t.nextLive(0, t.size()); i >= 0; i = t.nextLive(i + 1, t.size())) {
            long pfn = t.get(i) >>> st.pageShift;
            if (pfn != frame) {
                if (count > 0) {
                    sink.pinned(null, frame, 1, count);
                }
                frame = pfn;
                count = 0;
            }
            count++;
        }
        if (count > 0) {
            sink.pinned(null, frame, 1, count);
        }
    }
}
