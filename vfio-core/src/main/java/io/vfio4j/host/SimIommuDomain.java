package io.vfio4j.host;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.IovaRange;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated IOMMU paging domain: a page table kept as one entry per mapped run, in unsigned IOVA
 * order, so its size follows the number of map calls, not of pages. Group membership is guarded by
 * the host's IOMMU lock, the page table by the domain's own lock.
 */
public final class SimIommuDomain implements IommuDomain {
    private static final Logger LOG = LoggerFactory.getLogger(SimIommuDomain.class);

    private final SimHost host;
    private final String driver;
    private final long pageSizeBitmap;
    private final IovaRange aperture;
    private final boolean enforceCacheCoherency;
    private final int pageShift;

    /** Dirty marks; null for a domain allocated without dirty tracking. Guarded by {@code this}. */
    private final DirtyLog dirty;

    /** Guarded by {@code this}. */
    private final IommuPageTable table = new IommuPageTable();

    /*
     * Guards the page table, its counters and the dirty log. Not the domain's monitor: its header
     * word may share a cache line with another VM's hot data (see IsolatedMutex).
     */
    private final IsolatedMutex lock = new IsolatedMutex();

    private long mappedPages;

    /** Guarded by the host's IOMMU lock. */
    private final List<SimIommuGroup> groups = new ArrayList<>();

    private volatile boolean freed;

    SimIommuDomain(
            SimHost host,
            String driver,
            long pageSizeBitmap,
            IovaRange aperture,
            boolean enforceCacheCoherency,
            boolean dirtyTracking) {
        this.host = host;
        this.driver = driver;
        this.pageSizeBitmap = pageSizeBitmap;
        this.aperture = aperture;
        this.enforceCacheCoherency = enforceCacheCoherency;
        this.pageShift = host.pageShift();
        this.dirty = dirtyTracking ? new DirtyLog(pageShift) : null;
    }

    @Override
    public long pageSizeBitmap() {
        return pageSizeBitmap;
    }

    @Override
    public IovaRange aperture() {
        return aperture;
    }

    @Override
    public boolean enforceCacheCoherency() {
        return enforceCacheCoherency;
    }

    @Override
    public String driver() {
        return driver;
    }

    /** True once {@link #free()} ran. */
    public boolean isFreed() {
        return freed;
    }

    @Override
    public void attach(IommuGroup group) {
        SimIommuGroup g = simGroup(group);
        synchronized (host.iommuLock()) {
            requireNotFreed();
            if (!g.driver().equals(driver)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "group %d is behind a %s IOMMU, the domain belongs to %s",
                        g.id(),
                        g.driver(),
                        driver);
            }
            // As intel-iommu: a coherency-enforcing domain needs snoop control on the group's
            // IOMMU.
            if (enforceCacheCoherency && !g.spec().enforceCacheCoherency()) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "group %d cannot enforce cache coherency, the domain does",
                        g.id());
            }
            if (g.attachedDomain() != null) {
                throw VfioException.of(
                        Errno.EBUSY, "group %d is already attached to a domain", g.id());
            }
            g.setAttachedDomain(this);
            groups.add(g);
        }
    }

    @Override
    public void detach(IommuGroup group) {
        SimIommuGroup g = simGroup(group);
        synchronized (host.iommuLock()) {
            if (g.attachedDomain() != this) {
                throw new IllegalStateException(g + " is not attached to this domain");
            }
            g.setAttachedDomain(null);
            groups.remove(g);
        }
    }

    @Override
    public List<IommuGroup> groups() {
        synchronized (host.iommuLock()) {
            return List.copyOf(groups);
        }
    }

    @Override
    public void map(long iova, long pfn, long pages, int prot) {
        requireNotFreed();
        long last = requireRange(iova, pages);
        if (pfn < 0 || prot == 0 || (prot & ~DmaProt.RW) != 0) {
            throw VfioException.of(Errno.EINVAL, "bad mapping: pfn 0x%x prot 0x%x", pfn, prot);
        }
        long minPage = Long.lowestOneBit(pageSizeBitmap);
        long paddr = pfn << pageShift;
        if (((iova | paddr | (pages << pageShift)) & (minPage - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "iova 0x%x, pfn 0x%x, %d pages not aligned to the minimum IOMMU page 0x%x",
                    iova,
                    pfn,
                    pages,
                    minPage);
        }
        // As intel-iommu: an address beyond what the page table translates is EFAULT.
        if (!aperture.contains(new IovaRange(iova, last))) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "iova range [0x%x, 0x%x] is outside the aperture %s",
                    iova,
                    last,
                    aperture);
        }
        lock.lock();
        try {
            host.faults()
                    .hit(FaultInjector.FaultSite.IOMMU_MAP)
                    .ifPresent(
                            errno -> {
                                throw VfioException.of(
                                        errno,
                                        "injected IOMMU map failure at iova 0x%x (%d pages)",
                                        iova,
                                        pages);
                            });
            int before = table.floor(last);
            if (before >= 0 && Long.compareUnsigned(table.lastIova(before, pageShift), iova) >= 0) {
                throw VfioException.of(
                        Errno.EEXIST,
                        "iova range [0x%x, 0x%x] overlaps the mapping %s",
                        iova,
                        last,
                        entry(before));
            }
            table.insert(before + 1, iova, pfn, pages, prot);
            mappedPages += pages;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long unmap(long iova, long pages) {
        if (pages == 0) {
            return 0;
        }
        long last = requireRange(iova, pages);
        lock.lock();
        try {
            int i = table.floor(iova);
            if (i < 0 || Long.compareUnsigned(table.lastIova(i, pageShift), iova) < 0) {
                i++;
            }
            long unmapped = 0;
            while (i < table.size() && Long.compareUnsigned(table.iova(i), last) <= 0) {
                long mIova = table.iova(i);
                long mPfn = table.pfn(i);
                long mPages = table.pages(i);
                long mLast = table.lastIova(i, pageShift);
                boolean keepHead = Long.compareUnsigned(mIova, iova) < 0;
                boolean keepTail = Long.compareUnsigned(mLast, last) > 0;
                long lo = keepHead ? iova : mIova;
                long hi = keepTail ? last : mLast;
                unmapped += ((hi - lo) >>> pageShift) + 1;
                long skip = (last + 1 - mIova) >>> pageShift;
                if (keepHead) {
                    table.set(i, mIova, mPfn, (iova - mIova) >>> pageShift);
                    i++;
                    if (keepTail) {
                        table.insert(i, last + 1, mPfn + skip, mPages - skip, table.prot(i - 1));
                        i++;
                    }
                } else if (keepTail) {
                    table.set(i, last + 1, mPfn + skip, mPages - skip);
                    i++;
                } else {
                    table.remove(i);
                }
            }
            mappedPages -= unmapped;
            if (dirty != null) {
                // An unmapped IOPTE takes its dirty bit with it.
                dirty.clear(iova, last);
            }
            return unmapped;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long translate(long iova) {
        lock.lock();
        try {
            int i = indexAt(iova);
            if (i < 0) {
                return -1;
            }
            long offset = iova - table.iova(i);
            return ((table.pfn(i) + (offset >>> pageShift)) << pageShift)
                    | (offset & ((1L << pageShift) - 1));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int protection(long iova) {
        lock.lock();
        try {
            int i = indexAt(iova);
            return i < 0 ? 0 : table.prot(i);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long mappedPages() {
        lock.lock();
        try {
            return mappedPages;
        } finally {
            lock.unlock();
        }
    }

    /** Entries in the page table (one per mapped run). */
    public int mappingCount() {
        lock.lock();
        try {
            return table.size();
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot of the page table in unsigned IOVA order. */
    public List<IommuMapping> mappings() {
        lock.lock();
        try {
            List<IommuMapping> out = new ArrayList<>(table.size());
            for (int i = 0; i < table.size(); i++) {
                out.add(entry(i));
            }
            return List.copyOf(out);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Visits the mappings in unsigned IOVA order, under the domain lock: the visitor must not call
     * this domain (the lock is not re-entrant; such a call fails).
     */
    public void forEachMapping(IommuMappingVisitor visitor) {
        lock.lock();
        try {
            for (int i = 0; i < table.size(); i++) {
                visitor.visit(table.iova(i), table.pfn(i), table.pages(i), table.prot(i));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void free() {
        synchronized (host.iommuLock()) {
            if (!groups.isEmpty()) {
                throw new IllegalStateException("free of a domain that still holds " + groups);
            }
            freed = true;
        }
        lock.lock();
        try {
            if (mappedPages != 0) {
                LOG.debug("freeing a domain with {} pages still mapped", mappedPages);
            }
            table.clear();
            mappedPages = 0;
            if (dirty != null) {
                dirty.clear(0, -1L);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setDirtyTracking(boolean enable) {
        lock.lock();
        try {
            requireDirtyOps();
            dirty.setTracking(enable);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<IovaRange> readDirty(long iova, long last, boolean noClear) {
        lock.lock();
        try {
            requireDirtyOps();
            return dirty.read(iova, last, noClear);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A device DMA write of {@code length} bytes at {@code iova} went through this domain: while
     * dirty tracking runs, the IOMMU marks the written pages dirty (the hardware sets the dirty bit
     * of each IOPTE it writes through). The caller has checked the translation and WRITE
     * permission.
     */
    public void recordDmaWrite(long iova, long length) {
        lock.lock();
        try {
            if (dirty != null && length > 0) {
                dirty.mark(iova, iova + length - 1);
            }
        } finally {
            lock.unlock();
        }
    }

    private void requireDirtyOps() {
        if (dirty == null) {
            throw VfioException.of(
                    Errno.EOPNOTSUPP, "the domain was allocated without dirty tracking");
        }
    }

    /** The index of the entry translating {@code iova}, or -1. */
    private int indexAt(long iova) {
        int i = table.floor(iova);
        if (i < 0 || Long.compareUnsigned(table.lastIova(i, pageShift), iova) < 0) {
            return -1;
        }
        return i;
    }

    private IommuMapping entry(int i) {
        return new IommuMapping(table.iova(i), table.pfn(i), table.pages(i), table.prot(i));
    }

    /** Checks alignment and wrap of an IOVA range; returns its last address. */
    private long requireRange(long iova, long pages) {
        long pageMask = (1L << pageShift) - 1;
        if (pages <= 0
                || (iova & pageMask) != 0
                || pages > (-1L >>> pageShift)
                || Long.compareUnsigned(iova + (pages << pageShift) - 1, iova) < 0) {
            throw VfioException.of(Errno.EINVAL, "bad iova range: 0x%x, %d pages", iova, pages);
        }
        return iova + (pages << pageShift) - 1;
    }

    private void requireNotFreed() {
        if (freed) {
            throw new IllegalStateException("use of a freed IOMMU domain");
        }
    }

    private static SimIommuGroup simGroup(IommuGroup group) {
        if (group instanceof SimIommuGroup g) {
            return g;
        }
        throw new IllegalArgumentException("not a group of the simulated host: " + group);
    }

    @Override
    public String toString() {
        return driver + " domain, " + mappedPages + " pages mapped";
    }
}
