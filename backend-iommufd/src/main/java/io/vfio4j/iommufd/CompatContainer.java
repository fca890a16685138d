package io.vfio4j.iommufd;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One container served by iommufd's VFIO compat layer (vfio_compat.c): the type1 ioctls answered
 * over one IOAS ({@link Ioas}), emulated devices pinning through accesses ({@link AccessPins}). One
 * lock guards the state (the kernel's IOVA and domain rwsems, which vfio4j does not separate);
 * DMA-unmap callbacks run outside it.
 */
final class CompatContainer implements VfioIommuDriverOps {
    /** DMA_AVAIL of GET_INFO: U32_MAX, never decremented (C10, C14). */
    static final long DMA_AVAIL = 0xFFFF_FFFFL;

    private final ReentrantLock lock = new ReentrantLock();
    private final Ioas ioas;
    private final IommufdSettings settings;
    private final VfioEventSink events;
    private final CompatMapper mapper;
    private final AccessPins access;
    private final Map<Integer, VfioGroupHandle> groups = new LinkedHashMap<>();

    CompatContainer(Ioas ioas, IommufdSettings settings, VfioEventSink events) {
        this.ioas = ioas;
        this.settings = settings;
        this.events = events;
        this.mapper = new CompatMapper(ioas, settings);
        this.access = new AccessPins(ioas);
    }

    IommuType type() {
        return ioas.largePagesDisabled ? IommuType.TYPE1 : IommuType.TYPE1v2;
    }

    @Override
    public void attachGroup(VfioGroupHandle group) {
        lock.lock();
        try {
            if (groups.containsKey(group.id())) {
                throw VfioException.of(Errno.EINVAL, "%s is attached already", group.describe());
            }
            if (group.kind() == GroupKind.NO_IOMMU) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "%s: vfio4j's iommufd compat container takes no no-IOMMU group",
                        group.describe());
            }
            if (group.kind() == GroupKind.IOMMU) {
                IommuGroup hw =
                        group.iommuGroup()
                                .orElseThrow(
                                        () ->
                                                VfioException.of(
                                                        Errno.ENODEV,
                                                        "%s has no IOMMU group",
                                                        group.describe()));
                if (!hw.interruptRemapping() && !settings.allowUnsafeInterrupts()) {
                    throw VfioException.of(
                            Errno.EPERM,
                            "%s: the IOMMU does not isolate MSIs (allow-unsafe-interrupts is off)",
                            group.describe());
                }
                ioas.attach(group.id(), hw);
            }
            groups.put(group.id(), group);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void detachGroup(VfioGroupHandle group) {
        lock.lock();
        try {
            if (groups.remove(group.id()) != null && group.kind() == GroupKind.IOMMU) {
                group.iommuGroup().ifPresent(hw -> ioas.detach(group.id(), hw));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <R> R execute(Task caller, VfioCommand<R> command) {
        Object result;
        if (command instanceof CheckExtension ce) {
            result = checkExtension(ce.extension());
        } else if (command instanceof MapDma map) {
            CompatMapper.checkArguments(map);
            lock.lock();
            try {
                mapper.map(caller, map);
            } finally {
                lock.unlock();
            }
            result = null;
        } else if (command instanceof UnmapDma unmap) {
            result = unmap(unmap);
        } else if (command instanceof GetInfo info) {
            result = info(info);
        } else {
            // DIRTY_PAGES included: vfio_compat.c does not handle it (C11).
            throw VfioException.of(
                    Errno.ENOTTY,
                    "%s is not handled by iommufd's compat layer",
                    command.ioctlName());
        }
        @SuppressWarnings("unchecked")
        R r = (R) result;
        return r;
    }

    private int checkExtension(long extension) {
        if (extension == CheckExtension.DMA_CC) {
            lock.lock();
            try {
                return ioas.cacheCoherent() ? 1 : 0;
            } finally {
                lock.unlock();
            }
        }
        return new IommufdProvider().checkExtension(extension, ioas.host);
    }

    private GetInfo.Info info(GetInfo cmd) {
        if (Integer.compareUnsigned(cmd.argsz(), GetInfo.MIN_ARGSZ) < 0) {
            throw VfioException.of(Errno.EINVAL, "GET_INFO argsz %d below 16", cmd.argsz());
        }
        lock.lock();
        try {
            List<GetInfo.Capability> caps =
                    List.of(
                            new GetInfo.DmaAvailCap(DMA_AVAIL),
                            new GetInfo.IovaRangeCap(ioas.holes()));
            int flags = GetInfo.FLAG_PGSIZES | GetInfo.FLAG_CAPS;
            int needed = 24;
            List<GetInfo.Capability> fit = new ArrayList<>();
            for (GetInfo.Capability c : caps) {
                needed += c.size();
                if (Integer.compareUnsigned(needed, cmd.argsz()) <= 0) {
                    fit.add(c);
                }
            }
            boolean complete = Integer.compareUnsigned(needed, cmd.argsz()) <= 0;
            return new GetInfo.Info(
                    complete ? cmd.argsz() : needed, flags, ioas.pageSizes(), fit, complete);
        } finally {
            lock.unlock();
        }
    }

    /** C8: the compat unmap, with the unmap-notification loop of X7/X8 outside the lock. */
    private UnmapDma.Result unmap(UnmapDma cmd) {
        if (cmd.argsz() < UnmapDma.MIN_ARGSZ) {
            throw VfioException.of(Errno.EINVAL, "UNMAP_DMA argsz %d below 24", cmd.argsz());
        }
        if ((cmd.flags() & ~UnmapDma.ALL) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "UNMAP_DMA flags 0x%x: the compat container has no dirty bitmap and no VADDR",
                    cmd.flags());
        }
        long iova = cmd.iova();
        long size = cmd.size();
        if ((cmd.flags() & UnmapDma.ALL) != 0) {
            if (iova != 0 || size != 0) {
                throw VfioException.of(Errno.EINVAL, "UNMAP_DMA ALL needs iova and size 0");
            }
            return new UnmapDma.Result(walk(0, -1L, true), Optional.empty());
        }
        if (ioas.largePagesDisabled) {
            lock.lock();
            try {
                new HoleCutter(ioas).cut(iova, size);
            } finally {
                lock.unlock();
            }
        }
        if (size == 0) {
            throw VfioException.of(Errno.EINVAL, "UNMAP_DMA size 0");
        }
        long last = iova + size - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "iova 0x%x + size 0x%x wraps", iova, size);
        }
        return new UnmapDma.Result(walk(iova, last, false), Optional.empty());
    }

    /** U4-U6 and X7/X8 ({@link UnmapWalk}), the callbacks outside the container's lock. */
    private long walk(long iova, long last, boolean all) {
        return new UnmapWalk(ioas, access, iova, last, all, settings.emptyUnmapEnoent(), events)
                .run(
                        step -> {
                            lock.lock();
                            try {
                                return step.get();
                            } finally {
                                lock.unlock();
                            }
                        });
    }

    @Override
    public long maxPinPages(long pageSize) {
        return Integer.MAX_VALUE;
    }

    @Override
    public int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        lock.lock();
        try {
            return access.pin(device, iova, npage, prot, pfns);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void unpinPages(VfioDeviceHandle device, long iova, int npage) {
        lock.lock();
        try {
            access.unpin(device, iova, npage);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {
        lock.lock();
        try {
            if (access.accesses.putIfAbsent(device, listener) == null) {
                ioas.accesses++;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The access goes (X9). The kernel first tells it {@code unmap(0, 2^64 - 1)}; vfio4j does not:
     * the core has closed the device already (X10), and that length does not fit the listener's
     * signed length (docs/deviations.md IOMMUFD-7). Pins it kept stay recorded and charged.
     */
    @Override
    public void unregisterDevice(VfioDeviceHandle device) {
        lock.lock();
        try {
            if (access.accesses.remove(device) != null) {
                ioas.accesses--;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void dmaRw(
            VfioDeviceHandle device, long iova, byte[] buf, int offset, int length, boolean write) {
        lock.lock();
        try {
            access.rw(device, iova, buf, offset, length, write);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public BackendState state() {
        lock.lock();
        try {
            long bytes = 0;
            Set<IoptPages> pages = new HashSet<>();
            for (Area a : ioas.areas.values()) {
                bytes += a.length;
                pages.add(a.pages);
            }
            long pinned = pages.stream().mapToLong(IoptPages::pinned).sum();
            long[] counts = access.counts();
            Map<String, Long> details = new LinkedHashMap<>();
            details.put("domains", (long) ioas.domains.size());
            details.put("accesses", (long) access.accesses.size());
            details.put("pinned", pinned);
            details.put("iovaAlignment", ioas.alignment());
            return new BackendState(ioas.areas.size(), bytes, -1, counts[0], counts[1], details);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void audit(AuditSink sink) {
        lock.lock();
        try {
            Set<IoptPages> seen = new HashSet<>();
            for (Area a : ioas.areas.values()) {
                if (seen.add(a.pages)) {
                    a.pages.audit(sink);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release() {
        lock.lock();
        try {
            UnmapWalk.unmapAll(ioas, events);
            for (VfioGroupHandle g : new ArrayList<>(groups.values())) {
                if (g.kind() == GroupKind.IOMMU) {
                    g.iommuGroup().ifPresent(hw -> ioas.detach(g.id(), hw));
                }
            }
            groups.clear();
        } finally {
            lock.unlock();
        }
    }
}
