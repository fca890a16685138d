package io.vfio4j.type1;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.PinMoments;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.Task;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The type1 backend of one container (the kernel's {@code struct vfio_iommu} with its driver ops).
 * One {@link ReentrantLock} (the kernel's {@code iommu->lock}) guards all state; DMA-unmap
 * listeners run with it released.
 */
public final class Type1Container implements VfioIommuDriverOps {
    private static final Logger LOG = LoggerFactory.getLogger(Type1Container.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Type1State st;
    private final ExternalPins pins;
    private final GroupAttacher attacher;
    private final DmaMapper mapper;
    private final DmaUnmapper unmapper;
    private final DirtyTracker dirty;
    private boolean released;

    Type1Container(Type1State st) {
        this.st = st;
        this.pins = new ExternalPins(st);
        this.attacher = new GroupAttacher(st, pins);
        this.mapper = new DmaMapper(st);
        this.unmapper = new DmaUnmapper(st, lock);
        this.dirty = new DirtyTracker(st);
    }

    /** True for a TYPE1v2 container. */
    public boolean isV2() {
        return st.v2;
    }

    @Override
    public void attachGroup(VfioGroupHandle group) {
        Objects.requireNonNull(group, "group");
        lock.lock();
        try {
            checkOpen();
            attacher.attach(group);
            LOG.debug(
                    "{} attached: {} domain(s), ranges {}",
                    group.describe(),
                    st.domains.domains.size(),
                    st.iovaList);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void detachGroup(VfioGroupHandle group) {
        Objects.requireNonNull(group, "group");
        lock.lock();
        try {
            if (!released) {
                attacher.detach(group);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> R execute(Task caller, VfioCommand<R> command) {
        Objects.requireNonNull(command, "command");
        if (command instanceof CheckExtension c) {
            return (R) Integer.valueOf(checkExtension(c.extension()));
        }
        if (command instanceof MapDma m) {
            DmaMapper.checkArgs(m);
            lock.lock();
            try {
                checkOpen();
                mapper.map(Objects.requireNonNull(caller, "caller"), m);
                return null;
            } finally {
                lock.unlock();
            }
        }
        if (command instanceof UnmapDma u) {
            DmaUnmapper.checkArgs(u);
            lock.lock();
            try {
                checkOpen();
                return (R) unmapper.unmap(u);
            } finally {
                lock.unlock();
            }
        }
        if (command instanceof GetInfo g) {
            return (R) getInfo(g);
        }
        if (command instanceof DirtyPages d) {
            DirtyTracker.checkArgs(st.v2, st.era, d);
            lock.lock();
            try {
                checkOpen();
                return (R) dirty.execute(d);
            } finally {
                lock.unlock();
            }
        }
        throw VfioException.of(Errno.ENOTTY, "type1 does not implement %s", command.ioctlName());
    }

    private int checkExtension(long ext) {
        if (ext == CheckExtension.UPDATE_VADDR) {
            lock.lock();
            try {
                // Refused with mdevs: they cannot pin or read safely while vaddrs change.
                return st.domains.hasEmulated() ? 0 : 1;
            } finally {
                lock.unlock();
            }
        }
        if (ext == CheckExtension.DMA_CC) {
            lock.lock();
            try {
                return st.domains.enforcesCoherency();
            } finally {
                lock.unlock();
            }
        }
        return Type1Provider.staticExtension(ext, st.era);
    }

    private GetInfo.Info getInfo(GetInfo g) {
        if (g.argsz() < GetInfo.MIN_ARGSZ) {
            throw VfioException.of(
                    Errno.EINVAL, "GET_INFO argsz %d is below %d", g.argsz(), GetInfo.MIN_ARGSZ);
        }
        lock.lock();
        try {
            checkOpen();
            return InfoBuilder.build(st, g.argsz());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        if (device == null || pfns == null) {
            throw VfioException.of(Errno.EINVAL, "pin_pages: device and pfns are required");
        }
        if (npage <= 0) {
            throw VfioException.of(Errno.EINVAL, "pin_pages: npage %d", npage);
        }
        if (npage > st.maxPinPages) {
            throw VfioException.of(
                    Errno.E2BIG, "pin_pages: npage %d is above %d", npage, st.maxPinPages);
        }
        if (pfns.length < npage) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "pin_pages: pfns holds %d entries, %d needed",
                    pfns.length,
                    npage);
        }
        if ((prot & ~DmaProt.RW) != 0) {
            throw VfioException.of(Errno.EINVAL, "pin_pages: prot 0x%x has unknown bits", prot);
        }
        checkPageRange("pin_pages", iova, npage);
        if (!st.v2) {
            throw VfioException.of(Errno.EACCES, "pin_pages needs a TYPE1v2 container");
        }
        lock.lock();
        try {
            checkOpen();
            return pins.pin(device, iova, npage, prot, pfns);
        } finally {
            lock.unlock();
        }
    }

    private void checkPageRange(String op, long iova, int npage) {
        if ((iova & (st.pageSize - 1)) != 0) {
            throw VfioException.of(Errno.EINVAL, "%s: iova 0x%x is not page aligned", op, iova);
        }
        long last = iova + ((long) npage << st.pageShift) - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            // 6.18 checks it in vfio_iommu_type1_pin_pages: EOVERFLOW. Before, no check (T1-4).
            throw VfioException.of(
                    st.era.overflowIsEoverflow() && op.equals("pin_pages")
                            ? Errno.EOVERFLOW
                            : Errno.EINVAL,
                    "%s: iova 0x%x + %d pages wraps past 2^64",
                    op,
                    iova,
                    npage);
        }
    }

    @Override
    public void unpinPages(VfioDeviceHandle device, long iova, int npage) {
        Objects.requireNonNull(device, "device");
        if (!st.v2 || npage <= 0 || npage > st.maxPinPages) {
            // >= 6.0: a WARN and no-op (unpin returns void): vfio_unpin_pages WARN_ON(npage...),
            // vfio_iommu_type1_unpin_pages WARN_ON(!iommu->v2).
            st.events.kernelWarn(
                    "unpin_pages by "
                            + device.name()
                            + " ignored: "
                            + (st.v2
                                    ? "npage " + npage + " outside 1.." + st.maxPinPages
                                    : "v1 container"));
            if (st.settings.strictUnpin()) {
                throw VfioException.of(
                        st.v2 ? Errno.EINVAL : Errno.EACCES,
                        "strict unpin by %s: %s",
                        device.name(),
                        st.v2 ? "npage " + npage : "v1 container");
            }
            return;
        }
        checkPageRange("unpin_pages", iova, npage);
        lock.lock();
        try {
            checkOpen();
            pins.unpin(device, iova, npage);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(listener, "listener");
        lock.lock();
        try {
            checkOpen();
            st.devices.register(device, listener);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void unregisterDevice(VfioDeviceHandle device) {
        Objects.requireNonNull(device, "device");
        lock.lock();
        try {
            st.devices.unregister(device);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void dmaRw(
            VfioDeviceHandle device, long iova, byte[] buf, int offset, int length, boolean write) {
        if (buf == null || length <= 0 || offset < 0 || offset > buf.length - length) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "dma_rw: buffer, offset %d or length %d is invalid",
                    offset,
                    length);
        }
        lock.lock();
        try {
            checkOpen();
            DmaReadWrite.run(st, iova, buf, offset, length, write);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public BackendState state() {
        lock.lock();
        try {
            long pinned = 0;
            long refs = 0;
            long locked = 0;
            long iommuPinned = 0;
            long dirtyBits = 0;
            for (DmaMapping d : st.dmas.all()) {
                if (d.dirty != null) {
                    for (long w : d.dirty) {
                        dirtyBits += Long.bitCount(w);
                    }
                }
                pinned += d.pinCount();
                refs += d.pinRefs();
                locked += d.lockedVm;
                iommuPinned += d.runs.pinnedPages();
            }
            Map<String, Long> details = new LinkedHashMap<>();
            details.put("domains", (long) st.domains.domains.size());
            details.put("iommuGroups", (long) st.domains.iommuGroupCount());
            details.put("emulatedGroups", (long) st.domains.emulated.size());
            details.put("invalidVaddrs", (long) st.vaddrInvalidCount);
            details.put("lockedVm", locked);
            details.put("iommuPinnedPages", iommuPinned);
            details.put("registeredDevices", (long) st.devices.registeredCount());
            details.put("dirtyTracking", st.dirtyTracking ? 1L : 0L);
            details.put("dirtyBits", dirtyBits);
            details.put("pgsizeBitmap", st.domains.pgsizeBitmap());
            details.put("iovaRanges", (long) st.iovaList.ranges().size());
            return new BackendState(
                    st.dmas.size(), st.dmas.mappedBytes(), st.dmaAvail, pinned, refs, details);
        } finally {
            lock.unlock();
        }
    }

    /** The device holding every external reference in sole-holder mode, else null (tests). */
    VfioDeviceHandle soleHolder() {
        lock.lock();
        try {
            return st.devices.soleHolder();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void audit(AuditSink sink) {
        lock.lock();
        try {
            Map<AddressSpace, long[]> charged = new IdentityHashMap<>();
            boolean totals = sink.totalsSuffice();
            PinMoments recount = new PinMoments();
            for (DmaMapping d : st.dmas.all()) {
                charged.computeIfAbsent(d.owner.space(), s -> new long[1])[0] += d.lockedVm;
                if (!totals) {
                    auditPins(d, sink, recount);
                }
                checkMapping(d, sink);
            }
            charged.forEach((space, pages) -> sink.charged(space, null, pages[0]));
            if (totals) {
                sink.pinnedTotals(st.heldPins);
            } else if (!recount.sameAs(st.heldPins)) {
                sink.violation(
                        "type1: running pin totals "
                                + st.heldPins
                                + " differ from the mappings' pins "
                                + recount);
            }
            sink.entries(st.dmas.size(), st.dmaAvail, st.settings.dmaEntryLimit());
            checkHolders(sink);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reports a mapping's pins run by run: its IOMMU-path runs, then its external pins with
     * consecutive pages on consecutive frames joined.
     */
    private void auditPins(DmaMapping d, AuditSink sink, PinMoments recount) {
        for (int i = 0; i < d.runs.count(); i++) {
            if (!d.runs.reserved(i)) {
                sink.pinned(null, d.runs.pfn(i), d.runs.pages(i), 1);
                recount.add(d.runs.pfn(i), d.runs.pages(i), 1);
            }
        }
        if (!d.hasPins()) {
            return;
        }
        long[] pages = d.pins().sortedPages();
        int i = 0;
        while (i < pages.length) {
            long pfn = d.pins().pfn(pages[i]);
            int j = i + 1;
            while (j < pages.length
                    && pages[j] == pages[i] + (j - i)
                    && d.pins().pfn(pages[j]) == pfn + (j - i)) {
                j++;
            }
            sink.pinned(null, pfn, j - i, 1);
            recount.add(pfn, j - i, 1);
            i = j;
        }
    }

    /**
     * The invariant of docs/reference/type1-mdev.md §4.3 for one mapping (skipped for a dead owner,
     * whose un-charges are skipped).
     */
    private void checkMapping(DmaMapping d, AuditSink sink) {
        if (!d.owner.space().isAlive()) {
            return;
        }
        long expected = st.domains.hasDomain() ? d.runs.pinnedPages() : d.pinCount();
        if (d.lockedVm != expected) {
            sink.violation(
                    String.format(
                            java.util.Locale.ROOT,
                            "type1: %s has locked_vm %d, expected %d",
                            d.describe(),
                            d.lockedVm,
                            expected));
        }
        if (st.domains.hasDomain() != d.iommuMapped) {
            sink.violation("type1: " + d.describe() + " iommuMapped=" + d.iommuMapped);
        }
    }

    /** Every pin reference is held by a device. */
    private void checkHolders(AuditSink sink) {
        long held = st.devices.heldReferences();
        long refs = 0;
        for (DmaMapping d : st.dmas.all()) {
            refs += d.pinRefs();
        }
        if (held != refs) {
            sink.violation(
                    "type1: devices hold " + held + " pin references, mappings count " + refs);
        }
    }

    @Override
    public void release() {
        lock.lock();
        try {
            if (released) {
                return;
            }
            attacher.releaseAll();
            st.devices.unregisterAll();
            released = true;
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (released) {
            throw VfioException.of(Errno.EINVAL, "the type1 container was released");
        }
    }
}
