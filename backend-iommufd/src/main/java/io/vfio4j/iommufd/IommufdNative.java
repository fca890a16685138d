package io.vfio4j.iommufd;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.ioas.DirtyBitmap;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.api.ioas.IommuOption;
import io.vfio4j.api.ioas.IovaRanges;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.iommufd.NativeObjects.AccessObj;
import io.vfio4j.iommufd.NativeObjects.DeviceObj;
import io.vfio4j.iommufd.NativeObjects.HwptObj;
import io.vfio4j.iommufd.NativeObjects.IoasObj;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code /dev/iommu} context (main.c, ioas.c, device.c): IOASes sharing the compat container's
 * {@link Ioas}, {@link MapCore} and {@link IoptPages}, paging HWPTs (automatic ones made by device
 * attach, user-made ones by HWPT_ALLOC) and bound devices. Accounting starts in USER mode
 * (docs/reference/iommufd.md §1 O1, §3 A1). One monitor guards the context.
 */
final class IommufdNative implements NativeIommuOps {
    /** Flags IOAS_MAP and IOAS_COPY know (§4.2 step 1). */
    private static final int MAP_FLAGS = IoasMap.FIXED_IOVA | IoasMap.READABLE | IoasMap.WRITEABLE;

    private final HostView host;
    private final IommufdSettings settings;
    private final VfioEventSink events;
    private final NativeObjects objects = new NativeObjects();
    private final NativeAccesses accesses = new NativeAccesses(objects);
    private IommufdSettings.Accounting accounting = IommufdSettings.Accounting.USER;

    IommufdNative(HostView host, IommufdSettings settings, VfioEventSink events) {
        this.host = host;
        this.settings = settings;
        this.events = events;
    }

    /** R1. */
    @Override
    public synchronized int ioasAlloc(int flags) {
        if (flags != 0) {
            throw VfioException.of(Errno.EOPNOTSUPP, "IOAS_ALLOC flags 0x%x", flags);
        }
        host.allocation("iommufd_ioas");
        return objects.add(new IoasObj(new Ioas(host, false, events)));
    }

    /** §4.2 steps 1-10. */
    @Override
    public synchronized long ioasMap(Task caller, IoasMap cmd) {
        checkMapFlags(cmd.flags(), cmd.reserved());
        if (cmd.iova() == -1L || cmd.length() == -1L) {
            throw VfioException.of(Errno.EOVERFLOW, "IOAS_MAP iova or length is 2^64 - 1");
        }
        int prot = prot(cmd.flags());
        Ioas ioas = objects.ioas(cmd.ioasId());
        return MapCore.map(
                ioas,
                settings,
                caller,
                cmd.userVa(),
                cmd.length(),
                cmd.iova(),
                (cmd.flags() & IoasMap.FIXED_IOVA) != 0,
                prot,
                mode(caller));
    }

    static void checkMapFlags(int flags, int reserved) {
        if ((flags & ~MAP_FLAGS) != 0 || reserved != 0) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP, "flags 0x%x / __reserved %d not supported", flags, reserved);
        }
    }

    static int prot(int flags) {
        int prot = 0;
        if ((flags & IoasMap.READABLE) != 0) {
            prot |= DmaProt.READ;
        }
        if ((flags & IoasMap.WRITEABLE) != 0) {
            prot |= DmaProt.WRITE;
        }
        if (prot == 0) {
            throw VfioException.of(Errno.EINVAL, "neither READABLE nor WRITEABLE");
        }
        return prot;
    }

    /** §4.3. */
    @Override
    public synchronized long ioasMapFile(Task caller, IoasMapFile cmd) {
        return NativeFiles.mapFile(objects, settings, caller, cmd, mode(caller));
    }

    /** §3 A12. */
    @Override
    public synchronized void ioasChangeProcess(Task caller, int reserved) {
        NativeFiles.changeProcess(objects, caller, reserved);
    }

    /** A2: CAP_IPC_LOCK at map time → NONE; else the context's mode (USER unless RLIMIT_MODE 1). */
    private IoptPages.Mode mode(Task caller) {
        if (caller.capIpcLock()) {
            return IoptPages.Mode.NONE;
        }
        return accounting == IommufdSettings.Accounting.MM
                ? IoptPages.Mode.MM
                : IoptPages.Mode.USER;
    }

    /** §4.4 P1-P4: the new areas share the source pages, so nothing is charged twice (A8). */
    @Override
    public synchronized long ioasCopy(Task caller, IoasCopy cmd) {
        checkMapFlags(cmd.flags(), 0);
        if (cmd.length() == -1L || cmd.srcIova() == -1L || cmd.dstIova() == -1L) {
            throw VfioException.of(Errno.EOVERFLOW, "IOAS_COPY length or IOVA is 2^64 - 1");
        }
        int prot = prot(cmd.flags());
        Ioas src = objects.ioas(cmd.srcIoasId());
        List<Area> pieces = IoasCopier.sourcePieces(src, cmd.srcIova(), cmd.length());
        Ioas dst = objects.ioas(cmd.dstIoasId());
        return IoasCopier.insert(
                dst, pieces, cmd.srcIova(), cmd.dstIova(), cmd.length(), cmd.flags(), prot);
    }

    /** §4.5 U1-U7 with the access notifications of §6 X7, X8 ({@link UnmapWalk}). */
    @Override
    public long ioasUnmap(int ioasId, long iova, long length) {
        UnmapWalk u;
        synchronized (this) {
            u =
                    UnmapWalk.start(
                            objects.get(ioasId, IoasObj.class, "an IOAS"), iova, length, events);
        }
        return u.run(
                step -> {
                    synchronized (this) {
                        return step.get();
                    }
                });
    }

    /** R3: the holes between reserved ranges; EMSGSIZE (with the total) if they do not fit. */
    @Override
    public synchronized IovaRanges ioasIovaRanges(int ioasId, int capacity) {
        Ioas ioas = objects.ioas(ioasId);
        List<IovaRange> holes = ioas.holes();
        if (Integer.compareUnsigned(capacity, holes.size()) < 0) {
            throw VfioException.of(
                    Errno.EMSGSIZE, "num_iovas %d: the IOAS has %d ranges", capacity, holes.size());
        }
        return new IovaRanges(holes, ioas.alignment());
    }

    /** R4: start >= last or overlapping entries EINVAL; a reserved range met EADDRINUSE. */
    @Override
    public synchronized void ioasAllowIovas(int ioasId, List<IovaRange> allowed) {
        Ioas ioas = objects.ioas(ioasId);
        for (int i = 0; i < allowed.size(); i++) {
            IovaRange r = allowed.get(i);
            if (Long.compareUnsigned(r.start(), r.end()) >= 0) {
                throw VfioException.of(Errno.EINVAL, "allowed range %s: start >= last", r);
            }
            for (int j = 0; j < i; j++) {
                if (allowed.get(j).overlaps(r)) {
                    throw VfioException.of(
                            Errno.EINVAL, "allowed ranges %s and %s overlap", allowed.get(j), r);
                }
            }
        }
        for (IovaRange r : allowed) {
            for (IovaRange resv : ioas.reserved()) {
                if (resv.overlaps(r)) {
                    throw VfioException.of(
                            Errno.EADDRINUSE, "allowed range %s meets reserved %s", r, resv);
                }
            }
        }
        ioas.allowed = List.copyOf(allowed);
    }

    @Override
    public synchronized long option(Task caller, IommuOption cmd) {
        if (cmd.reserved() != 0) {
            throw VfioException.of(Errno.EOPNOTSUPP, "IOMMU_OPTION __reserved %d", cmd.reserved());
        }
        return switch (cmd.option()) {
            case IommuOption.RLIMIT_MODE -> rlimitMode(caller, cmd);
            case IommuOption.HUGE_PAGES ->
                    NativeOptions.hugePages(objects.ioas(cmd.objectId()), cmd);
            default -> throw VfioException.of(Errno.EOPNOTSUPP, "option %d", cmd.option());
        };
    }

    /** A3. */
    private long rlimitMode(Task caller, IommuOption cmd) {
        if (cmd.objectId() != 0) {
            throw VfioException.of(Errno.EOPNOTSUPP, "RLIMIT_MODE object_id %d", cmd.objectId());
        }
        if (cmd.op() == IommuOption.OP_GET) {
            return accounting == IommufdSettings.Accounting.MM ? 1 : 0;
        }
        if (cmd.op() != IommuOption.OP_SET) {
            throw VfioException.of(Errno.EOPNOTSUPP, "option op %d", cmd.op());
        }
        if (!caller.capSysResource()) {
            throw VfioException.of(Errno.EPERM, "RLIMIT_MODE SET needs CAP_SYS_RESOURCE");
        }
        if (cmd.value() != 0 && cmd.value() != 1) {
            throw VfioException.of(Errno.EINVAL, "RLIMIT_MODE value %d", cmd.value());
        }
        if (!objects.table.isEmpty()) {
            throw VfioException.of(
                    Errno.EBUSY, "the context holds %d objects", objects.table.size());
        }
        accounting =
                cmd.value() == 1 ? IommufdSettings.Accounting.MM : IommufdSettings.Accounting.USER;
        return 0;
    }

    /** O2, D10: ENOENT if absent; EBUSY while anything holds it. */
    @Override
    public synchronized void destroy(int id) {
        NativeObjects.Obj o = objects.table.get(id);
        if (o == null) {
            throw VfioException.of(Errno.ENOENT, "no object %d", id);
        }
        if (o instanceof IoasObj io) {
            boolean used =
                    objects.table.values().stream()
                            .anyMatch(x -> x instanceof HwptObj h && h.ioasId == id);
            if (used || io.ioas().accesses > 0) {
                throw VfioException.of(Errno.EBUSY, "IOAS %d is used by a HWPT or an access", id);
            }
            UnmapWalk.unmapAll(io.ioas(), events);
        } else if (o instanceof HwptObj h) {
            if (!h.devices.isEmpty()) {
                throw VfioException.of(Errno.EBUSY, "HWPT %d has attached devices", id);
            }
            // A7: the domain leaves its IOAS; the last one un-pins, the areas stay.
            objects.ioas(h.ioasId).removeDomain(h.domain);
        } else if (o instanceof DeviceObj || o instanceof AccessObj) {
            throw VfioException.of(Errno.EBUSY, "device %d is held by its binding", id);
        }
        objects.table.remove(id);
    }

    /** D1: MSI isolation (EPERM unless allow-unsafe-interrupts); one binding per device. */
    @Override
    public synchronized int bindDevice(String device, IommuGroup group) {
        if (!group.interruptRemapping() && !settings.allowUnsafeInterrupts()) {
            throw VfioException.of(Errno.EPERM, "%s: the IOMMU does not isolate MSIs", device);
        }
        for (NativeObjects.Obj o : objects.table.values()) {
            if (o instanceof DeviceObj d && d.name.equals(device)) {
                throw VfioException.of(Errno.EBUSY, "%s is bound already", device);
            }
        }
        return objects.add(new DeviceObj(device, group));
    }

    /** §6 X1: an emulated device's bind makes its access. */
    @Override
    public synchronized int bindEmulated(VfioDeviceHandle device, DmaUnmapListener listener) {
        return accesses.bind(device, listener);
    }

    @Override
    public synchronized void unbindDevice(int deviceId) {
        if (objects.table.get(deviceId) instanceof AccessObj) {
            accesses.detach(deviceId);
            objects.table.remove(deviceId);
            return;
        }
        DeviceObj d = objects.get(deviceId, DeviceObj.class, "a device");
        detach(deviceId);
        objects.table.remove(deviceId);
        d.hwptId = 0;
    }

    /** D2, D3, D4, D5, D8. */
    @Override
    public synchronized int attach(int deviceId, int ptId) {
        if (objects.table.get(deviceId) instanceof AccessObj) {
            return accesses.attach(deviceId, ptId);
        }
        return new NativeAttach(objects).attach(deviceId, ptId);
    }

    /**
     * D7: unknown device ENOENT; unknown pt_id EINVAL; flags other than NEST_PARENT and
     * DIRTY_TRACKING EOPNOTSUPP (FAULT_ID_VALID and PASID are not modelled: docs/deviations.md
     * IOMMUFD-13); DIRTY_TRACKING on an IOMMU without it EOPNOTSUPP; a HWPT as the parent (nesting)
     * EOPNOTSUPP (IOMMUFD-13).
     */
    @Override
    public synchronized int hwptAlloc(int deviceId, int ioasId, int flags) {
        DeviceObj dev = objects.get(deviceId, DeviceObj.class, "a device");
        NativeObjects.Obj pt = objects.table.get(ioasId);
        if (pt == null) {
            throw VfioException.of(Errno.EINVAL, "HWPT_ALLOC pt_id %d does not exist", ioasId);
        }
        if (!(pt instanceof IoasObj io)) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP,
                    "HWPT_ALLOC on object %d: nested HWPTs are not modelled",
                    ioasId);
        }
        if ((flags & ~(HWPT_NEST_PARENT | HWPT_DIRTY_TRACKING)) != 0) {
            throw VfioException.of(Errno.EOPNOTSUPP, "HWPT_ALLOC flags 0x%x", flags);
        }
        if ((flags & HWPT_DIRTY_TRACKING) != 0 && !dev.group.dirtyTracking()) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP, "%s: its IOMMU cannot track dirty pages", dev.name);
        }
        IommuDomain d = io.ioas().addUserDomain(dev.group, (flags & HWPT_DIRTY_TRACKING) != 0);
        return objects.add(new HwptObj(ioasId, d, false, flags));
    }

    /** D9. */
    @Override
    public synchronized void detach(int deviceId) {
        if (objects.table.get(deviceId) instanceof AccessObj) {
            accesses.detach(deviceId);
            return;
        }
        new NativeAttach(objects).detach(deviceId);
    }

    /** §6 X2, X3: no bound on npage. */
    @Override
    public synchronized int accessPin(int accessId, long iova, int npage, int prot, long[] pfns) {
        return accesses.pinsOf(accessId, "pin")
                .pin(accesses.device(accessId), iova, npage, prot, pfns);
    }

    /** §6 X5: an unattached access is a WARN and nothing happens. */
    @Override
    public synchronized void accessUnpin(int accessId, long iova, int npage) {
        if (!accesses.attached(accessId)) {
            events.kernelWarn("iommufd_access_unpin_pages: access " + accessId + " not attached");
            return;
        }
        accesses.pinsOf(accessId, "unpin").unpin(accesses.device(accessId), iova, npage);
    }

    /** §6 X11. */
    @Override
    public synchronized void accessRw(
            int accessId, long iova, byte[] buf, int offset, int length, boolean write) {
        accesses.pinsOf(accessId, "dma_rw")
                .rw(accesses.device(accessId), iova, buf, offset, length, write);
    }

    /** §8 T2. */
    @Override
    public synchronized void hwptSetDirtyTracking(int hwptId, int flags) {
        NativeDirty.setTracking(objects, hwptId, flags);
    }

    /** §8 T3. */
    @Override
    public synchronized DirtyBitmap hwptGetDirtyBitmap(HwptDirtyBitmap request) {
        return NativeDirty.read(objects, request);
    }

    @Override
    public synchronized BackendState state() {
        return objects.state();
    }

    @Override
    public synchronized void audit(AuditSink sink) {
        Set<IoptPages> seen = new HashSet<>();
        for (NativeObjects.Obj o : objects.table.values()) {
            if (o instanceof IoasObj io) {
                for (Area a : io.ioas().areas.values()) {
                    if (seen.add(a.pages)) {
                        a.pages.audit(sink);
                    }
                }
            }
        }
    }

    /** O9: devices detached, then every IOAS unmapped, leaf first. */
    @Override
    public synchronized void release() {
        for (Map.Entry<Integer, NativeObjects.Obj> e : List.copyOf(objects.table.entrySet())) {
            if (e.getValue() instanceof DeviceObj || e.getValue() instanceof AccessObj) {
                detach(e.getKey());
            }
        }
        for (NativeObjects.Obj o : objects.table.values()) {
            if (o instanceof HwptObj h && !h.auto) {
                objects.ioas(h.ioasId).removeDomain(h.domain);
            }
        }
        for (NativeObjects.Obj o : objects.table.values()) {
            if (o instanceof IoasObj io) {
                UnmapWalk.unmapAll(io.ioas(), events);
            }
        }
        objects.table.clear();
    }

    /** The domain behind a HWPT, for tests. */
    synchronized IommuDomain domainOf(int hwptId) {
        return objects.get(hwptId, HwptObj.class, "a HWPT").domain;
    }
}
