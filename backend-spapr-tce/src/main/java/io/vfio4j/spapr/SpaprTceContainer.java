package io.vfio4j.spapr;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.VendorLeak;
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
import io.vfio4j.api.host.EehPe;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.PinnedRun;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.api.host.TceTableSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SPAPR TCE container (the kernel's {@code struct tce_container}), v1 or v2. Rules and check
 * order follow docs/reference/spapr-tce.md §2, §3 and §7 (the quirks take the project's recommended
 * choices, see docs/deviations.md, "SPAPR TCE").
 *
 * <p>Locking: {@link #lock} guards the container (the kernel's {@code container->lock}); a {@link
 * PreregRegistry}'s monitor is taken inside it for region counters. DMA-unmap listeners are called
 * with neither held.
 */
final class SpaprTceContainer implements VfioIommuDriverOps {
    private static final Logger LOG = LoggerFactory.getLogger(SpaprTceContainer.class);

    /** {@code IOMMU_TABLE_GROUP_MAX_TABLES}. */
    static final int MAX_WINDOWS = 2;

    /** The default window always uses 4 KiB IOMMU pages. */
    static final int DEFAULT_WINDOW_PAGE_SHIFT = 12;

    /** The type1 contract: after this many notifications of one range a kept pin is a BUG. */
    static final int MAX_UNMAP_NOTIFICATIONS = 11;

    private final HostView host;
    private final boolean v2;
    private final boolean externalPinning;
    private final VfioEventSink events;
    private final long pageSize;
    private final int pageShift;
    private final Object lock = new Object();

    // Everything below is guarded by lock.
    /** Attached groups, most recently attached first (the kernel inserts at the head). */
    private final List<GroupMember> groups = new ArrayList<>();

    private final DmaWindow[] windows = new DmaWindow[MAX_WINDOWS];

    /** Regions this container references (the kernel's {@code prereg_list}). */
    private final List<PreregRegion> preregs = new ArrayList<>();

    private final ExternalPins pins;
    private final Map<VfioDeviceHandle, DmaUnmapListener> listeners = new LinkedHashMap<>();
    private AddressSpace mm;
    private PreregRegistry registry;
    private boolean enabled;
    private boolean defWindowPending;
    private long lockedPages;
    private boolean released;

    SpaprTceContainer(HostView host, boolean v2, boolean externalPinning, VfioEventSink events) {
        this.host = host;
        this.v2 = v2;
        this.externalPinning = externalPinning;
        this.events = events;
        this.pageSize = host.pageSize();
        this.pageShift = host.pageShift();
        this.pins = new ExternalPins(pageShift);
    }

    // ---------------------------------------------------------------- groups

    @Override
    public void attachGroup(VfioGroupHandle group) {
        synchronized (lock) {
            checkNotReleased();
            if (group.kind() == GroupKind.EMULATED) {
                attachEmulated(group);
                return;
            }
            if (group.kind() != GroupKind.IOMMU) {
                throw new VfioException(
                        Errno.EINVAL, group.describe() + " has no IOMMU: SPAPR TCE cannot use it");
            }
            TceTableGroup tg =
                    group.iommuGroup()
                            .flatMap(IommuGroup::tceTableGroup)
                            .orElseThrow(
                                    () ->
                                            new VfioException(
                                                    Errno.ENODEV,
                                                    group.describe()
                                                            + " has no TCE table group (not a POWER endpoint)"));
            if (v2 && tg.maxDynamicWindows() == 0) {
                throw new VfioException(
                        Errno.EINVAL,
                        group.describe()
                                + " has no dynamic DMA windows: a v2 container needs them");
            }
            if (!v2 && !groups.isEmpty()) {
                throw new VfioException(
                        Errno.EBUSY,
                        "a v1 container holds one group and already has "
                                + groups.get(0).handle().describe());
            }
            for (GroupMember m : groups) {
                if (m.handle().id() == group.id()) {
                    throw new VfioException(
                            Errno.EBUSY, group.describe() + " is already in the container");
                }
                if (!m.emulated() && !m.tableGroup().platformType().equals(tg.platformType())) {
                    throw new VfioException(
                            Errno.EPERM,
                            group.describe()
                                    + " is of platform type "
                                    + tg.platformType()
                                    + ", the container's groups are "
                                    + m.tableGroup().platformType());
                }
            }
            programExistingWindows(group, tg);
            addMember(new GroupMember(group, tg));
        }
    }

    private void attachEmulated(VfioGroupHandle group) {
        if (!externalPinning || !v2) {
            throw new VfioException(
                    Errno.EINVAL,
                    group.describe()
                            + ": emulated groups cannot join a SPAPR TCE container"
                            + (v2
                                    ? " (external pinning is off)"
                                    : " (v1 has no translation to pin through)"));
        }
        for (GroupMember m : groups) {
            if (m.handle().id() == group.id()) {
                throw new VfioException(
                        Errno.EBUSY, group.describe() + " is already in the container");
            }
        }
        addMember(new GroupMember(group, new EmulatedTableGroup(pageShift)));
    }

    private void addMember(GroupMember member) {
        // The first group to arrive with slot 0 empty makes the default window pending.
        if (groups.isEmpty() && windows[0] == null) {
            defWindowPending = true;
        }
        groups.add(0, member);
        LOG.debug(
                "{} attached to spapr-tce {} container",
                member.handle().describe(),
                v2 ? "v2" : "v1");
    }

    private void programExistingWindows(VfioGroupHandle group, TceTableGroup tg) {
        for (DmaWindow w : windows) {
            if (w == null) {
                continue;
            }
            try {
                tg.setWindow(w.slot(), w.spec(), w.table()::get);
            } catch (VfioException e) {
                for (int slot = 0; slot < MAX_WINDOWS; slot++) {
                    tg.unsetWindow(slot);
                }
                throw new VfioException(
                        e.errno(),
                        group.describe()
                                + ": programming window "
                                + w.slot()
                                + " failed: "
                                + e.getMessage(),
                        e);
            }
        }
    }

    @Override
    public void detachGroup(VfioGroupHandle group) {
        int notifications = 0;
        while (true) {
            List<long[]> ranges;
            synchronized (lock) {
                GroupMember member = member(group);
                if (member == null) {
                    LOG.warn(
                            "{} is not in this spapr-tce container; detach ignored",
                            group.describe());
                    return;
                }
                if (member.emulated()) {
                    groups.remove(member);
                    dropPinsOf(d -> d.group().id() == group.id());
                    return;
                }
                // Detach clears every entry of every window (Q8): pinned pages must go first.
                ranges = pinnedWindowRanges();
                if (ranges.isEmpty()) {
                    for (DmaWindow w : windows) {
                        if (w != null) {
                            clear(w, 0, w.table().size());
                            member.tableGroup().unsetWindow(w.slot());
                        }
                    }
                    groups.remove(member);
                    return;
                }
                if (notifications == MAX_UNMAP_NOTIFICATIONS) {
                    throw stuckPins(ranges.get(0)[0], ranges.get(0)[1]);
                }
            }
            for (long[] r : ranges) {
                notifyUnmap(r[0], r[1]);
            }
            notifications++;
        }
    }

    private GroupMember member(VfioGroupHandle group) {
        for (GroupMember m : groups) {
            if (m.handle().id() == group.id() && m.handle().kind() == group.kind()) {
                return m;
            }
        }
        return null;
    }

    /** The endpoint GET_INFO, ENABLE and CREATE use: the first hardware group, else the first. */
    private TceTableGroup firstTableGroup() {
        for (GroupMember m : groups) {
            if (!m.emulated()) {
                return m.tableGroup();
            }
        }
        return groups.get(0).tableGroup();
    }

    // ---------------------------------------------------------------- ioctls

    @Override
    public <R> R execute(Task caller, VfioCommand<R> command) {
        if (command instanceof CheckExtension c) {
            return cast(SpaprTceProvider.extensionSupported(c.extension(), host));
        }
        synchronized (lock) {
            checkNotReleased();
            // Once an address space is cached, every other one is refused, before the command
            // is even looked at (so unknown commands get EPERM too).
            AddressSpace callerMm = caller.addressSpace().orElse(null);
            if (mm != null && (callerMm == null || callerMm.id() != mm.id())) {
                throw VfioException.of(
                        Errno.EPERM,
                        "%s: the container belongs to address space %d of pid %d, "
                                + "caller is pid %d",
                        command.ioctlName(),
                        mm.id(),
                        mm.ownerPid(),
                        caller.pid());
            }
        }
        Object result;
        if (command instanceof SpaprTceGetInfo c) {
            result = getInfo(c);
        } else if (command instanceof MapDma c) {
            map(caller, c);
            result = null;
        } else if (command instanceof UnmapDma c) {
            result = unmap(caller, c);
        } else if (command instanceof SpaprEnable && !v2) {
            enable(caller);
            result = null;
        } else if (command instanceof SpaprDisable && !v2) {
            disable();
            result = null;
        } else if (command instanceof SpaprRegisterMemory c && v2) {
            register(caller, c.argsz(), c.flags(), c.vaddr(), c.size());
            result = null;
        } else if (command instanceof DirtyPages c && v2) {
            // DIRTY_PAGES shares REGISTER_MEMORY's ioctl number: v2 parses it as REGISTER.
            register(caller, c.argsz(), c.flags(), c.iova(), c.size());
            result = new DirtyPages.Result(Optional.empty());
        } else if (command instanceof SpaprUnregisterMemory c && v2) {
            unregister(c);
            result = null;
        } else if (command instanceof SpaprTceCreate c && v2) {
            result = create(caller, c);
        } else if (command instanceof SpaprTceRemove c && v2) {
            remove(caller, c);
            result = null;
        } else if (command instanceof EehPeOp c) {
            result = eehPeOp(c);
        } else {
            throw new VfioException(
                    Errno.ENOTTY,
                    command.ioctlName()
                            + " is not a SPAPR TCE "
                            + (v2 ? "v2" : "v1")
                            + " container ioctl");
        }
        return cast(result);
    }

    @SuppressWarnings("unchecked")
    private static <R> R cast(Object value) {
        return (R) value;
    }

    private SpaprTceGetInfo.Info getInfo(SpaprTceGetInfo c) {
        synchronized (lock) {
            if (groups.isEmpty()) {
                throw new VfioException(Errno.ENXIO, "GET_INFO: no group attached");
            }
            TceTableGroup tg = firstTableGroup();
            if (c.argsz() < SpaprTceGetInfo.MIN_ARGSZ) {
                throw argsz(c.ioctlName(), c.argsz(), SpaprTceGetInfo.MIN_ARGSZ);
            }
            boolean ddw = v2 && tg.maxDynamicWindows() > 0;
            // The dma32 fields are u32; the ddw part is copied back only if argsz covers it.
            boolean full = c.argsz() >= SpaprTceGetInfo.FULL_ARGSZ;
            return new SpaprTceGetInfo.Info(
                    ddw ? SpaprTceGetInfo.FLAG_DDW : 0,
                    tg.tce32Start() & 0xFFFF_FFFFL,
                    tg.tce32Size() & 0xFFFF_FFFFL,
                    ddw && full ? tg.pageSizes() : 0,
                    ddw && full ? tg.maxDynamicWindows() : 0,
                    ddw && full ? tg.maxLevels() : 0);
        }
    }

    private void enable(Task caller) {
        synchronized (lock) {
            if (enabled) {
                throw new VfioException(Errno.EBUSY, "ENABLE: the container is already enabled");
            }
            if (groups.isEmpty()) {
                throw new VfioException(Errno.ENODEV, "ENABLE: no group attached");
            }
            TceTableGroup tg = firstTableGroup();
            if (tg.tce32Size() == 0) {
                throw new VfioException(
                        Errno.EPERM, "ENABLE: the group has no default 32-bit window");
            }
            mmSet(caller);
            long pages = tg.tce32Size() >>> pageShift;
            // v1 accounts the whole default window here, whatever gets mapped later.
            charge(caller, pages, "ENABLE: the default window");
            lockedPages = pages;
            enabled = true;
        }
    }

    private void disable() {
        synchronized (lock) {
            if (!enabled) {
                return;
            }
            enabled = false;
            mm.uncharge(lockedPages);
            lockedPages = 0;
        }
    }

    private void map(Task caller, MapDma m) {
        int notifications = 0;
        while (true) {
            synchronized (lock) {
                if (!enabled) {
                    throw new VfioException(
                            Errno.EPERM,
                            "MAP_DMA: the container is not enabled"
                                    + (v2
                                            ? " (no memory registered yet)"
                                            : " (VFIO_IOMMU_ENABLE first)"));
                }
                if (m.argsz() < MapDma.MIN_ARGSZ) {
                    throw argsz(m.ioctlName(), m.argsz(), MapDma.MIN_ARGSZ);
                }
                if ((m.flags() & ~(MapDma.READ | MapDma.WRITE)) != 0) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "MAP_DMA: flags 0x%x: only READ and WRITE exist",
                            m.flags());
                }
                createDefaultWindow(caller);
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
                if (!pins.anyIn(m.iova(), m.size())) {
                    if (v2) {
                        buildV2(w, m.iova(), m.vaddr(), n, prot);
                    } else {
                        buildV1(w, m.iova(), m.vaddr(), n, prot);
                    }
                    return;
                }
                if (v2) {
                    // Refuse a MAP that cannot succeed before the vendors are told to unpin:
                    // a refused request leaves no trace.
                    checkV2(w, m.vaddr(), n);
                }
                if (notifications == MAX_UNMAP_NOTIFICATIONS) {
                    throw stuckPins(m.iova(), m.size());
                }
            }
            // A replacing MAP over pinned pages: the vendor must unpin first.
            notifyUnmap(m.iova(), m.size());
            notifications++;
        }
    }

    private UnmapDma.Result unmap(Task caller, UnmapDma u) {
        int notifications = 0;
        while (true) {
            synchronized (lock) {
                if (!enabled) {
                    throw new VfioException(Errno.EPERM, "UNMAP_DMA: the container is not enabled");
                }
                if (u.argsz() < UnmapDma.MIN_ARGSZ) {
                    throw argsz(u.ioctlName(), u.argsz(), UnmapDma.MIN_ARGSZ);
                }
                if (u.flags() != 0) {
                    throw VfioException.of(
                            Errno.EINVAL,
                            "UNMAP_DMA: flags 0x%x: SPAPR TCE supports none",
                            u.flags());
                }
                createDefaultWindow(caller);
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
                if (!pins.anyIn(u.iova(), u.size())) {
                    clear(w, w.index(u.iova()), n);
                    // The kernel does not write size back: userspace reads its own value.
                    return new UnmapDma.Result(u.size(), Optional.empty());
                }
                if (notifications == MAX_UNMAP_NOTIFICATIONS) {
                    throw stuckPins(u.iova(), u.size());
                }
            }
            notifyUnmap(u.iova(), u.size());
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
        for (DmaWindow w : windows) {
            if (w != null && w.holds(iova)) {
                return w;
            }
        }
        throw VfioException.of(Errno.ENXIO, "%s: no DMA window holds iova 0x%x", op, iova);
    }

    private Long create(Task caller, SpaprTceCreate c) {
        synchronized (lock) {
            mmSet(caller);
            if (groups.isEmpty()) {
                throw new VfioException(Errno.ENXIO, "TCE_CREATE: no group attached");
            }
            if (c.argsz() < SpaprTceCreate.MIN_ARGSZ) {
                throw argsz(c.ioctlName(), c.argsz(), SpaprTceCreate.MIN_ARGSZ);
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

    private void remove(Task caller, SpaprTceRemove r) {
        int notifications = 0;
        while (true) {
            long[] range;
            synchronized (lock) {
                mmSet(caller);
                if (groups.isEmpty()) {
                    throw new VfioException(Errno.ENXIO, "TCE_REMOVE: no group attached");
                }
                if (r.argsz() < SpaprTceRemove.MIN_ARGSZ) {
                    throw argsz(r.ioctlName(), r.argsz(), SpaprTceRemove.MIN_ARGSZ);
                }
                if (r.flags() != 0) {
                    throw VfioException.of(
                            Errno.EINVAL, "TCE_REMOVE: flags 0x%x: none are defined", r.flags());
                }
                if (defWindowPending && r.startAddr() == 0) {
                    // Removing the default window before it exists just cancels it.
                    defWindowPending = false;
                    return;
                }
                DmaWindow w = null;
                for (DmaWindow x : windows) {
                    if (x != null && x.holds(r.startAddr())) {
                        w = x;
                    }
                }
                if (w == null) {
                    throw VfioException.of(
                            Errno.EINVAL, "TCE_REMOVE: no window holds 0x%x", r.startAddr());
                }
                long length = w.spec().windowSize();
                if (!pins.anyIn(w.busStart(), length)) {
                    clear(w, 0, w.table().size());
                    for (GroupMember m : groups) {
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
                if (notifications == MAX_UNMAP_NOTIFICATIONS) {
                    throw stuckPins(w.busStart(), length);
                }
                range = new long[] {w.busStart(), length};
            }
            notifyUnmap(range[0], range[1]);
            notifications++;
        }
    }

    private Integer eehPeOp(EehPeOp op) {
        List<GroupMember> members;
        synchronized (lock) {
            members = new ArrayList<>(groups);
        }
        int result = 0;
        for (GroupMember m : members) {
            if (m.emulated()) {
                continue; // an emulated group has no PE and is not in the kernel's list
            }
            result = eehOnePe(m, op);
            if (result != 0) {
                return result;
            }
        }
        return result;
    }

    private static int eehOnePe(GroupMember m, EehPeOp op) {
        EehPe pe =
                m.tableGroup()
                        .eehPe()
                        .orElseThrow(
                                () ->
                                        new VfioException(
                                                Errno.ENODEV,
                                                "EEH_PE_OP: "
                                                        + m.handle().describe()
                                                        + " has no EEH PE"));
        if (op.argsz() < EehPeOp.MIN_ARGSZ) {
            throw argsz(op.ioctlName(), op.argsz(), EehPeOp.MIN_ARGSZ);
        }
        if (op.flags() != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "EEH_PE_OP: flags 0x%x: none are defined", op.flags());
        }
        switch (op.op()) {
            case EehPeOp.DISABLE -> pe.setEnabled(false);
            case EehPeOp.ENABLE -> pe.setEnabled(true);
            case EehPeOp.UNFREEZE_IO -> pe.thawMmio();
            case EehPeOp.UNFREEZE_DMA -> pe.thawDma();
            case EehPeOp.GET_STATE -> {
                return pe.state();
            }
            case EehPeOp.RESET_DEACTIVATE -> pe.reset(EehPe.EehResetKind.DEACTIVATE);
            case EehPeOp.RESET_HOT -> pe.reset(EehPe.EehResetKind.HOT);
            case EehPeOp.RESET_FUNDAMENTAL -> pe.reset(EehPe.EehResetKind.FUNDAMENTAL);
            case EehPeOp.CONFIGURE -> pe.configure();
            case EehPeOp.INJECT_ERR -> {
                if (op.argsz() < EehPeOp.MIN_ARGSZ_INJECT) {
                    throw argsz("EEH_PE_OP INJECT_ERR", op.argsz(), EehPeOp.MIN_ARGSZ_INJECT);
                }
                pe.injectError(op.errType(), op.errFunc(), op.errAddr(), op.errMask());
            }
            default ->
                    throw VfioException.of(
                            Errno.EINVAL, "EEH_PE_OP: unknown operation %d", op.op());
        }
        return 0;
    }

    // ---------------------------------------------------------------- preregistered memory

    private void register(Task caller, int argsz, int flags, long vaddr, long size) {
        synchronized (lock) {
            mmSet(caller);
            if (argsz < SpaprRegisterMemory.MIN_ARGSZ) {
                throw argsz("REGISTER_MEMORY", argsz, SpaprRegisterMemory.MIN_ARGSZ);
            }
            if (flags != 0) {
                throw VfioException.of(
                        Errno.EINVAL, "REGISTER_MEMORY: flags 0x%x: none are defined", flags);
            }
            checkRegionArgs("REGISTER_MEMORY", vaddr, size);
            long entries = size >>> pageShift;
            synchronized (registry) {
                PreregRegion existing = registry.findExact(vaddr, entries);
                if (existing != null) {
                    if (preregs.contains(existing)) {
                        throw VfioException.of(
                                Errno.EBUSY,
                                "REGISTER_MEMORY: [0x%x, +0x%x) is already registered "
                                        + "by this container",
                                vaddr,
                                size);
                    }
                    // Another container of the process registered it: share it, charge nothing.
                    existing.addUser();
                    preregs.add(existing);
                    enabled = true;
                    return;
                }
                if (entries == 0) {
                    throw new VfioException(
                            Errno.ENOMEM,
                            "REGISTER_MEMORY: a zero-size region cannot be allocated");
                }
                PreregRegion region = newRegion(caller, vaddr, size, entries);
                registry.add(region);
                preregs.add(region);
                enabled = true;
                LOG.debug("registered {} for address space {}", region, mm.id());
            }
        }
    }

    /** {@code mm_iommu_do_alloc}: charge, pin every page writable, refuse an overlap. */
    private PreregRegion newRegion(Task caller, long vaddr, long size, long entries) {
        charge(caller, entries, "REGISTER_MEMORY");
        List<PinnedRun> runs = new ArrayList<>();
        try {
            host.allocation("spapr-tce: preregistered region");
            long done = 0;
            while (done < entries) {
                PinnedRun run = pinForRegion(vaddr + (done << pageShift), entries - done);
                runs.add(run);
                done += run.pages();
            }
            if (registry.overlaps(vaddr, size)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "REGISTER_MEMORY: [0x%x, +0x%x) overlaps a registered region",
                        vaddr,
                        size);
            }
            return new PreregRegion(vaddr, entries, pageShift, runs);
        } catch (VfioException e) {
            for (PinnedRun r : runs) {
                host.memory().unpin(r.pfn(), r.pages(), false);
            }
            mm.uncharge(entries);
            throw e;
        }
    }

    private PinnedRun pinForRegion(long va, long maxPages) {
        PinnedRun run;
        try {
            run = mm.pinRun(va, maxPages, true);
        } catch (VfioException e) {
            // Q5: a page that cannot be pinned fails the whole registration with EFAULT.
            throw new VfioException(
                    Errno.EFAULT,
                    "REGISTER_MEMORY: cannot pin 0x"
                            + Long.toHexString(va)
                            + " writable: "
                            + e.getMessage(),
                    e);
        }
        if (run.reserved()) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "REGISTER_MEMORY: 0x%x is device memory without page structs",
                    va);
        }
        return run;
    }

    private void unregister(SpaprUnregisterMemory u) {
        synchronized (lock) {
            if (mm == null) {
                throw new VfioException(
                        Errno.EPERM,
                        "UNREGISTER_MEMORY: nothing was ever registered here "
                                + "(no address space cached)");
            }
            if (u.argsz() < SpaprUnregisterMemory.MIN_ARGSZ) {
                throw argsz(u.ioctlName(), u.argsz(), SpaprUnregisterMemory.MIN_ARGSZ);
            }
            if (u.flags() != 0) {
                throw VfioException.of(
                        Errno.EINVAL, "UNREGISTER_MEMORY: flags 0x%x: none are defined", u.flags());
            }
            checkRegionArgs("UNREGISTER_MEMORY", u.vaddr(), u.size());
            synchronized (registry) {
                PreregRegion region = registry.findExact(u.vaddr(), u.size() >>> pageShift);
                if (region == null || !preregs.contains(region)) {
                    throw VfioException.of(
                            Errno.ENOENT,
                            "UNREGISTER_MEMORY: this container has no region that is "
                                    + "exactly [0x%x, +0x%x)",
                            u.vaddr(),
                            u.size());
                }
                if (region.used() == 1 && region.mapped() > 1) {
                    // Q4: the ≤5.0 rule. The kernel now returns 0 and orphans the region.
                    throw VfioException.of(
                            Errno.EBUSY,
                            "UNREGISTER_MEMORY: %d TCEs or pins still use %s",
                            region.mapped() - 1,
                            region);
                }
                preregs.remove(region);
                dropRegionReference(region);
            }
        }
    }

    private void checkRegionArgs(String op, long vaddr, long size) {
        if (((vaddr | size) & (pageSize - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: vaddr 0x%x or size 0x%x is not a multiple of the 0x%x-byte page",
                    op,
                    vaddr,
                    size,
                    pageSize);
        }
        if (Long.compareUnsigned(vaddr + size, vaddr) < 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: [0x%x, +0x%x) wraps around the address space",
                    op,
                    vaddr,
                    size);
        }
    }

    /** Drops one container reference (registry lock held); frees the region if it was the last. */
    private void dropRegionReference(PreregRegion region) {
        if (region.dropUser() == 0) {
            if (region.mapped() == 1) {
                freeRegion(region);
            } else {
                // Only reachable at release when another container maps from this region: the
                // kernel warns and keeps it; we free it when its last TCE goes.
                LOG.warn(
                        "{} has no user left but is still mapped; freed when its last TCE is cleared",
                        region);
            }
        }
    }

    private void freeRegion(PreregRegion region) {
        registry.remove(region);
        region.unpinAll(host.memory());
        mm.uncharge(region.entries());
        LOG.debug("freed {}", region);
    }

    // ---------------------------------------------------------------- windows and TCEs

    /** Materialises the pending default window (slot 0, 4 KiB pages, tce32 size, one level). */
    private void createDefaultWindow(Task caller) {
        if (!defWindowPending) {
            return;
        }
        if (groups.isEmpty()) {
            throw new VfioException(Errno.ENODEV, "no group to create the default window for");
        }
        createWindow(caller, DEFAULT_WINDOW_PAGE_SHIFT, firstTableGroup().tce32Size(), 1);
        defWindowPending = false;
    }

    private DmaWindow createWindow(Task caller, int pageShiftIommu, long windowSize, int levels) {
        int slot = -1;
        for (int i = 0; i < MAX_WINDOWS; i++) {
            if (windows[i] == null) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            throw new VfioException(Errno.ENOSPC, "TCE_CREATE: both window slots are in use");
        }
        TceTableGroup tg = firstTableGroup();
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
        long pages = bytes >>> pageShift;
        charge(caller, pages, "TCE table");
        TceTableSpec spec;
        try {
            spec = tg.createTable(slot, pageShiftIommu, windowSize, levels);
        } catch (VfioException e) {
            mm.uncharge(
                    pages); // Q3: the kernel keeps this charge; a refused request leaves no trace
            throw e;
        }
        DmaWindow w = new DmaWindow(slot, spec, new TceTable(spec), pages);
        List<GroupMember> programmed = new ArrayList<>();
        try {
            for (GroupMember m : groups) {
                programmed.add(m);
                m.tableGroup().setWindow(slot, spec, w.table()::get);
            }
        } catch (VfioException e) {
            for (GroupMember m : programmed) {
                m.tableGroup().unsetWindow(slot);
            }
            mm.uncharge(pages);
            throw e;
        }
        windows[slot] = w;
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

    private void freeWindow(DmaWindow w) {
        windows[w.slot()] = null;
        mm.uncharge(w.chargedPages());
    }

    /**
     * v1 build: pin one system page per TCE (always for write, Q7), check containment, then write
     * the entries. Pins are all taken before any entry changes, so a refused MAP leaves the table
     * and every pin count as they were.
     */
    private void buildV1(DmaWindow w, long iova, long vaddr, long n, int prot) {
        long ps = w.pageSize();
        long[] hpas = new long[Math.toIntExact(n)];
        int done = 0;
        try {
            long lastPage = -1;
            long lastPfn = -1;
            for (; done < n; done++) {
                long va = vaddr + done * ps;
                long page = va & -pageSize;
                long pfn;
                if (page == lastPage) {
                    host.memory().repin(lastPfn, 1);
                    pfn = lastPfn;
                } else {
                    PinnedRun run = pinForTce(page);
                    pfn = run.pfn();
                    if (Math.max(pageShift, run.backingPageShift()) < w.pageShift()) {
                        host.memory().unpin(pfn, 1, false); // Q6: the kernel leaves this pin behind
                        throw VfioException.of(
                                Errno.EPERM,
                                "MAP_DMA: the page at 0x%x is smaller than the "
                                        + "window's 0x%x-byte IOMMU page",
                                va,
                                ps);
                    }
                }
                lastPage = page;
                lastPfn = pfn;
                hpas[done] = (pfn << pageShift) | (va & (pageSize - 1));
            }
        } catch (VfioException e) {
            for (int i = 0; i < done; i++) {
                host.memory().unpin(hpas[i] >>> pageShift, 1, false);
            }
            throw e;
        }
        long perm = firstTableGroup().tcePermissions(prot);
        long first = w.index(iova);
        for (int i = 0; i < n; i++) {
            long old = w.table().exchange(first + i, hpas[i] | perm, 0);
            if (old != 0) {
                releaseV1(old);
            }
        }
        invalidate(w, first, n);
    }

    private PinnedRun pinForTce(long page) {
        PinnedRun run;
        try {
            run = mm.pinRun(page, 1, true);
        } catch (VfioException e) {
            throw new VfioException(
                    Errno.EFAULT,
                    "MAP_DMA: cannot pin 0x"
                            + Long.toHexString(page)
                            + " for write: "
                            + e.getMessage(),
                    e);
        }
        if (run.reserved()) {
            throw VfioException.of(
                    Errno.EFAULT, "MAP_DMA: 0x%x is device memory that cannot be pinned", page);
        }
        return run;
    }

    private void releaseV1(long oldEntry) {
        host.memory().unpin(oldEntry >>> pageShift, 1, (oldEntry & TceTableGroup.TCE_WRITE) != 0);
    }

    /**
     * v2 build: translate every IOMMU page through the process's preregistered regions; all lookups
     * succeed before any entry changes. No pinning, no accounting. The walk goes by stretches of
     * pages in one pinned run ({@link PreregCursor}); a stretch over empty entries is written in
     * one go, one over older entries replaces them one by one as the kernel does.
     *
     * <p>A replaced entry may be the last TCE of a region no container references any more (S-2).
     * Such a region is freed only once every entry is written, and only if it still has no TCE
     * then: the same MAP may map into it further on, and the checks above, made on the regions as
     * they were, must hold for the whole walk (see docs/deviations.md, S-2).
     */
    private void buildV2(DmaWindow w, long iova, long vaddr, long n, int prot) {
        long first = w.index(iova);
        long perm = firstTableGroup().tcePermissions(prot);
        synchronized (registry) {
            PreregCursor c = new PreregCursor(registry, vaddr, n, w.pageShift());
            while (c.next()) {
                checkStretch(c, w);
            }
            c.rewind();
            TceTable t = w.table();
            long ps = w.pageSize();
            // One look at the whole range (free when the table is empty) spares one per stretch.
            boolean replacing = t.anyLive(first, first + n);
            // Regions left with no TCE and no user by a replaced entry; rare, so made on demand.
            List<PreregRegion> emptied = null;
            PreregRegion oldRegion = null;
            while (c.next()) {
                checkStretch(c, w);
                PreregRegion region = c.region();
                long index = first + c.offset();
                long count = c.pages();
                if (!replacing || !t.anyLive(index, index + count)) {
                    region.mappedAdd(count);
                    t.fill(index, count, c.hpa() | perm, c.va(), ps);
                    continue;
                }
                long hpa = c.hpa();
                long va = c.va();
                for (long k = 0; k < count; k++) {
                    region.mappedInc();
                    long oldShadow = t.shadow(index + k);
                    long old = t.exchange(index + k, (hpa + k * ps) | perm, va + k * ps);
                    if (old != 0) {
                        oldRegion = unuseV2(old, oldShadow, ps, oldRegion);
                        if (oldRegion != null && unused(oldRegion)) {
                            emptied = remember(emptied, oldRegion);
                        }
                    }
                }
            }
            if (emptied != null) {
                for (PreregRegion e : emptied) {
                    if (unused(e)) {
                        freeRegion(e);
                    }
                }
            }
        }
        invalidate(w, first, n);
    }

    private static List<PreregRegion> remember(List<PreregRegion> list, PreregRegion region) {
        List<PreregRegion> l = list == null ? new ArrayList<>(2) : list;
        if (!l.contains(region)) {
            l.add(region);
        }
        return l;
    }

    /** The translation checks of {@link #buildV2}, without changing anything. */
    private void checkV2(DmaWindow w, long vaddr, long n) {
        synchronized (registry) {
            PreregCursor c = new PreregCursor(registry, vaddr, n, w.pageShift());
            while (c.next()) {
                checkStretch(c, w);
            }
        }
    }

    /** Refuses a stretch outside registered memory or with pages too small for the window. */
    private static void checkStretch(PreregCursor c, DmaWindow w) {
        PreregRegion region = c.region();
        if (region == null) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA: [0x%x, +0x%x) is not inside preregistered memory",
                    c.va(),
                    w.pageSize());
        }
        if (w.pageShift() > region.maxIommuShift()) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA: %s allows IOMMU pages up to 2^%d, the window uses 2^%d",
                    region,
                    region.maxIommuShift(),
                    w.pageShift());
        }
        if (c.backingShift() < w.pageShift()) {
            throw VfioException.of(
                    Errno.EPERM,
                    "MAP_DMA: the page at 0x%x is smaller than the window's IOMMU page",
                    c.va());
        }
    }

    /**
     * Releases what an old v2 entry held (registry lock held): its dirty mark and one {@code
     * mapped} of its region, which it returns (null if none holds the entry). Frees nothing: the
     * caller frees the region if it is {@link #unused} (S-2). {@code cached} (the region the
     * previous entry of a walk came from) is tried before the registry lookup.
     */
    private PreregRegion unuseV2(
            long oldEntry, long oldShadow, long iommuPageSize, PreregRegion cached) {
        PreregRegion region =
                cached != null && cached.contains(oldShadow, iommuPageSize)
                        ? cached
                        : registry.findContaining(oldShadow, iommuPageSize);
        if (region == null) {
            LOG.warn(
                    "TCE for user address 0x{} has no preregistered region",
                    Long.toHexString(oldShadow));
            return null;
        }
        if ((oldEntry & TceTableGroup.TCE_WRITE) != 0) {
            region.markDirty(oldShadow);
        }
        region.mappedDec();
        return region;
    }

    /**
     * True for a region no container references and nothing maps into or pins (registry lock held):
     * one kept alive only by TCEs or pins since its last reference went (see {@link
     * #dropRegionReference}), whose last one is now gone. The caller frees it.
     */
    private static boolean unused(PreregRegion region) {
        return region.used() == 0 && region.mapped() == 1;
    }

    /** Clears {@code count} entries from {@code first}; empty entries and chunks are skipped. */
    private void clear(DmaWindow w, long first, long count) {
        TceTable t = w.table();
        long end = first + count;
        if (!t.anyLive(first, end)) {
            return;
        }
        if (v2) {
            clearV2(t, first, end, w.pageShift());
        } else {
            for (long i = t.nextLive(first, end); i >= 0; i = t.nextLive(i + 1, end)) {
                releaseV1(t.exchange(i, 0, 0));
            }
        }
        invalidate(w, first, count);
    }

    /**
     * v2 clear of the live entries in {@code [first, end)}: stretches of entries that map
     * consecutive user addresses of one region with the same write permission are emptied in one
     * pass and released at once (dirty marks, {@code mapped}); that is the per-entry release
     * summed. Entries of a region no container references any more, or of none, go one by one:
     * their release may free the region midway.
     */
    private void clearV2(TceTable t, long first, long end, int shift) {
        long ps = 1L << shift;
        synchronized (registry) {
            PreregRegion cached = null;
            for (long i = t.nextLive(first, end); i >= 0; i = t.nextLive(i, end)) {
                long shadow = t.shadow(i);
                PreregRegion region =
                        cached != null && cached.contains(shadow, ps)
                                ? cached
                                : registry.findContaining(shadow, ps);
                if (region == null || region.used() == 0) {
                    cached = unuseV2(t.exchange(i, 0, 0), shadow, ps, region);
                    if (cached != null && unused(cached)) {
                        freeRegion(cached); // a clear maps nothing afterwards: free it at once
                        cached = null;
                    }
                    i++;
                    continue;
                }
                boolean writable = (t.get(i) & TceTableGroup.TCE_WRITE) != 0;
                long limit = i + Math.min(end - i, region.pagesFrom(shadow, shift));
                long k = t.clearStretch(i, limit, shadow, ps, TceTableGroup.TCE_WRITE);
                if (writable) {
                    region.markDirty(shadow, k, shift);
                }
                region.mappedSub(k);
                cached = region;
                i += k;
            }
        }
    }

    /** One TCE cache invalidation per request and group (the kernel's {@code tce_kill}). */
    private void invalidate(DmaWindow w, long first, long count) {
        for (GroupMember m : groups) {
            m.tableGroup().invalidate(w.slot(), first, count);
        }
    }

    // ---------------------------------------------------------------- address space and charges

    /** {@code tce_iommu_mm_set}: cache the caller's address space on first use. */
    private void mmSet(Task caller) {
        AddressSpace current = caller.addressSpace().orElse(null);
        if (mm != null) {
            if (current != null && current.id() == mm.id()) {
                return;
            }
            throw VfioException.of(
                    Errno.EPERM,
                    "the container belongs to address space %d, caller pid %d is foreign",
                    mm.id(),
                    caller.pid());
        }
        if (current == null) {
            throw VfioException.of(Errno.ESRCH, "caller pid %d has no address space", caller.pid());
        }
        current.retain();
        mm = current;
        registry = current.attachment(PreregRegistry.KEY, PreregRegistry::new);
    }

    private void charge(Task caller, long pages, String what) {
        try {
            mm.charge(pages, caller.memlockLimitPages(pageSize), caller.capIpcLock());
        } catch (VfioException e) {
            throw new VfioException(
                    e.errno(),
                    what + ": cannot lock " + pages + " more pages: " + e.getMessage(),
                    e);
        }
    }

    private static VfioException argsz(String op, int argsz, int min) {
        return VfioException.of(
                Errno.EINVAL, "%s: argsz %d is below the structure size %d", op, argsz, min);
    }

    private void checkNotReleased() {
        if (released) {
            throw new IllegalStateException("spapr-tce container used after release");
        }
    }

    // ---------------------------------------------------------------- external pinning

    @Override
    public int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        if (!externalPinning || !v2) {
            return VfioIommuDriverOps.super.pinPages(device, iova, npage, prot, pfns);
        }
        synchronized (lock) {
            checkNotReleased();
            if ((iova & (pageSize - 1)) != 0) {
                throw VfioException.of(Errno.EINVAL, "pin: iova 0x%x is not page aligned", iova);
            }
            if (registry == null) {
                throw VfioException.of(
                        Errno.EINVAL, "pin: iova 0x%x is not mapped (no memory registered)", iova);
            }
            synchronized (registry) {
                PreregRegion[] regions = new PreregRegion[npage];
                long[] uas = new long[npage];
                for (int i = 0; i < npage; i++) {
                    long io = iova + ((long) i << pageShift);
                    uas[i] = userAddress(io, prot);
                    regions[i] = registry.findContaining(uas[i], pageSize);
                    if (regions[i] == null) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "pin: iova 0x%x maps 0x%x, outside registered memory",
                                io,
                                uas[i]);
                    }
                }
                for (int i = 0; i < npage; i++) {
                    long io = iova + ((long) i << pageShift);
                    long pfn = regions[i].hpa(uas[i]) >>> pageShift;
                    regions[i].mappedInc(); // makes UNREGISTER see the page as in use
                    pins.pin(io, pfn, regions[i], device);
                    pfns[i] = pfn;
                }
            }
            return npage;
        }
    }

    /**
     * IOVA → window → entries → userspace shadow for one system page; refuses empty or
     * under-privileged entries, and (for IOMMU pages smaller than a system page) entries that do
     * not map the whole system page contiguously.
     */
    private long userAddress(long io, int prot) {
        DmaWindow w = null;
        for (DmaWindow x : windows) {
            if (x != null && x.holds(io)) {
                w = x;
            }
        }
        if (w == null) {
            throw VfioException.of(Errno.EINVAL, "pin: no DMA window holds iova 0x%x", io);
        }
        long ps = w.pageSize();
        long idx = w.index(io);
        long k = Math.max(1, pageSize / ps);
        if (idx + k > w.table().size()) {
            throw VfioException.of(
                    Errno.EINVAL, "pin: the page at iova 0x%x runs past its window", io);
        }
        long ua0 = w.table().shadow(idx) + (io & (ps - 1));
        for (long j = 0; j < k; j++) {
            long e = w.table().get(idx + j);
            if (e == 0) {
                throw VfioException.of(
                        Errno.EINVAL, "pin: iova 0x%x is not mapped", w.iovaOf(idx + j));
            }
            if (((prot & DmaProt.READ) != 0 && (e & TceTableGroup.TCE_READ) == 0)
                    || ((prot & DmaProt.WRITE) != 0 && (e & TceTableGroup.TCE_WRITE) == 0)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "pin: iova 0x%x is mapped without %s access",
                        w.iovaOf(idx + j),
                        DmaProt.toString(prot));
            }
            if (j > 0 && w.table().shadow(idx + j) != ua0 + j * ps) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "pin: the TCEs of the page at iova 0x%x are not contiguous",
                        io);
            }
        }
        if (k > 1 && (ua0 & (pageSize - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "pin: iova 0x%x maps an unaligned user address 0x%x", io, ua0);
        }
        return ua0;
    }

    @Override
    public void unpinPages(VfioDeviceHandle device, long iova, int npage) {
        if (!externalPinning || !v2) {
            VfioIommuDriverOps.super.unpinPages(device, iova, npage);
            return;
        }
        synchronized (lock) {
            checkNotReleased();
            if ((iova & (pageSize - 1)) != 0) {
                throw VfioException.of(Errno.EINVAL, "unpin: iova 0x%x is not page aligned", iova);
            }
            // All pages must be pinned by this device before any reference is dropped.
            Map<Long, Integer> wanted = new HashMap<>();
            for (int i = 0; i < npage; i++) {
                long io = iova + ((long) i << pageShift);
                ExternalPins.PinnedPage p = pins.get(io);
                int need = wanted.merge(io, 1, Integer::sum);
                if (p == null || p.refs(device) < need) {
                    throw VfioException.of(
                            Errno.EINVAL, "unpin: %s has not pinned iova 0x%x", device.name(), io);
                }
            }
            synchronized (registry) {
                for (int i = 0; i < npage; i++) {
                    PreregRegion region = pins.unpin(iova + ((long) i << pageShift), device);
                    releasePinReference(region);
                }
            }
        }
    }

    private void releasePinReference(PreregRegion region) {
        region.mappedDec();
        if (unused(region)) {
            freeRegion(region);
        }
    }

    @Override
    public void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {
        synchronized (lock) {
            listeners.put(device, listener);
        }
    }

    @Override
    public void unregisterDevice(VfioDeviceHandle device) {
        synchronized (lock) {
            listeners.remove(device);
        }
    }

    /** Calls every registered listener; never with the container lock held. */
    private void notifyUnmap(long iova, long length) {
        List<DmaUnmapListener> copy;
        synchronized (lock) {
            copy = new ArrayList<>(listeners.values());
        }
        LOG.debug(
                "notifying {} devices of the unmap of [0x{}, +0x{})",
                copy.size(),
                Long.toHexString(iova),
                Long.toHexString(length));
        for (DmaUnmapListener l : copy) {
            l.dmaUnmap(iova, length);
        }
    }

    private KernelBugError stuckPins(long iova, long length) {
        return new KernelBugError(
                String.format(
                        java.util.Locale.ROOT,
                        "spapr-tce: pages in [0x%x, +0x%x) are still "
                                + "pinned after %d DMA-unmap notifications",
                        iova,
                        length,
                        MAX_UNMAP_NOTIFICATIONS));
    }

    /** Windows with pinned pages, as {iova, length}. */
    private List<long[]> pinnedWindowRanges() {
        List<long[]> out = new ArrayList<>();
        for (DmaWindow w : windows) {
            if (w != null && pins.anyIn(w.busStart(), w.spec().windowSize())) {
                out.add(new long[] {w.busStart(), w.spec().windowSize()});
            }
        }
        return out;
    }

    /** Drops pins a vendor left behind (detach of its group, release) and reports the leak. */
    private void dropPinsOf(java.util.function.Predicate<VfioDeviceHandle> which) {
        List<ExternalPins.Dropped> dropped = pins.dropDevices(which);
        if (dropped.isEmpty()) {
            return;
        }
        synchronized (registry) {
            for (ExternalPins.Dropped d : dropped) {
                for (PreregRegion r : d.regions()) {
                    releasePinReference(r);
                }
            }
        }
        for (ExternalPins.Dropped d : dropped) {
            LOG.warn(
                    "vendor leak: {} kept {} pins on {} pages",
                    d.device().name(),
                    d.references(),
                    d.iovas().size());
            events.vendorLeak(
                    new VendorLeak(
                            SpaprTceProvider.NAME, d.device().name(), d.iovas(), d.references()));
        }
    }

    // ---------------------------------------------------------------- release, state, audit

    @Override
    public void release() {
        while (true) {
            VfioGroupHandle next;
            synchronized (lock) {
                if (released) {
                    return;
                }
                next = groups.isEmpty() ? null : groups.get(0).handle();
            }
            if (next == null) {
                break;
            }
            detachGroup(next);
        }
        synchronized (lock) {
            for (DmaWindow w : windows) {
                if (w != null) {
                    clear(w, 0, w.table().size());
                    freeWindow(w);
                }
            }
            if (pins.references() > 0) {
                dropPinsOf(d -> true);
            }
            if (registry != null) {
                synchronized (registry) {
                    for (PreregRegion r : preregs) {
                        dropRegionReference(r);
                    }
                }
            }
            preregs.clear();
            disable();
            if (mm != null) {
                mm.release();
            }
            released = true;
            LOG.debug("spapr-tce {} container released", v2 ? "v2" : "v1");
        }
    }

    @Override
    public BackendState state() {
        synchronized (lock) {
            long live = 0;
            long bytes = 0;
            long tablePages = 0;
            int windowCount = 0;
            for (DmaWindow w : windows) {
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
            details.put("registeredRegions", (long) preregs.size());
            details.put("enabled", enabled ? 1L : 0L);
            details.put("defaultWindowPending", defWindowPending ? 1L : 0L);
            details.put("enableLockedPages", lockedPages);
            details.put("groups", (long) groups.size());
            return new BackendState(
                    live, bytes, -1, pins.distinctPages(), pins.references(), details);
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
        synchronized (lock) {
            long live = 0;
            long limit = 0;
            for (DmaWindow w : windows) {
                if (w == null) {
                    continue;
                }
                live += w.table().live();
                limit += w.table().size();
                sink.charged(mm, null, w.chargedPages());
                if (!v2) {
                    auditV1Pins(w, sink);
                }
            }
            if (lockedPages > 0) {
                sink.charged(mm, null, lockedPages);
            }
            if (registry != null) {
                synchronized (registry) {
                    // Every region of the address space, not only this container's: a region
                    // whose last container reference went at release while TCEs of another
                    // container still map into it stays pinned and charged with no referencing
                    // container (docs/reference/spapr-tce.md §7 Q4); the share key counts each
                    // region once.
                    for (PreregRegion r : registry.regions()) {
                        sink.charged(mm, r, r.entries());
                        r.forEachRun((pfn, pages) -> sink.pinned(r, pfn, pages, 1));
                    }
                    for (PreregRegion r : preregs) {
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
            long pfn = t.get(i) >>> pageShift;
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
