package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.AttachmentKey;
import io.vfio4j.api.host.PinnedRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated {@code mm_struct}: regions (VMAs) in unsigned address order, {@code locked_vm}, a
 * reference count, and per-space attachments. It dies when its process exits or execs: regions go,
 * pins and the counter stay. Thread-safe: each space has its own lock, taken before the memory
 * lock.
 */
public final class SimAddressSpace implements AddressSpace {
    private static final Logger LOG = LoggerFactory.getLogger(SimAddressSpace.class);

    private final SimHost host;
    private final long id;
    private final int ownerPid;
    private final int pageShift;
    private final TreeMap<Long, Region> regions = new TreeMap<>(Long::compareUnsigned);

    /**
     * The regions in unsigned address order, republished whole on every mmap, munmap and death, so
     * that pins (the hot path) look regions up without the space's lock.
     */
    private volatile Region[] snapshot = new Region[0];

    private final Map<AttachmentKey<?>, Object> attachments = new ConcurrentHashMap<>();

    /**
     * The region the last lookup found (pins walk one region run after run); null if none. Racy by
     * design: regions are immutable records, and a stale hit is a pin ordered before the munmap.
     */
    private Region lastRegion;

    /** Volatile so that backends can check liveness without the space's lock. */
    private volatile boolean alive = true;

    /**
     * Updated with compare-and-set: charges of several containers meet here without a lock. Padded:
     * written on every pin and unpin.
     */
    private final PaddedCounter lockedVm = new PaddedCounter();

    private final AtomicLong underflows = new AtomicLong();
    private final LimitedCounter pinnedVm;
    private int references;

    SimAddressSpace(SimHost host, long id, int ownerPid) {
        this.host = host;
        this.id = id;
        this.ownerPid = ownerPid;
        this.pageShift = host.pageShift();
        this.pinnedVm = new LimitedCounter(host, "pinned_vm of address space " + id);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int ownerPid() {
        return ownerPid;
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    /** The raw unsigned counter: after an underflow it wraps to a huge (negative) value. */
    @Override
    public long lockedVm() {
        return lockedVm.get();
    }

    @Override
    public long pinnedVm() {
        return pinnedVm.get();
    }

    @Override
    public void chargePinned(long pages, long limitPages) {
        pinnedVm.charge(pages, limitPages);
    }

    @Override
    public void unchargePinned(long pages) {
        pinnedVm.uncharge(pages);
    }

    /** How many uncharges took {@code pinned_vm} below zero (each a kernel WARN). */
    public long pinnedVmUnderflows() {
        return pinnedVm.underflows();
    }

    /** How many uncharges took {@code locked_vm} below zero (each a kernel WARN). */
    public long underflows() {
        return underflows.get();
    }

    /** References taken with {@link #retain()} and not yet released. */
    public synchronized int references() {
        return references;
    }

    @Override
    public void charge(long pages, long limitPages, boolean capIpcLock) {
        requireNonNegative(pages, "charge");
        if (pages == 0) {
            return;
        }
        while (true) {
            long current = lockedVm.get();
            // Unsigned, as the kernel's unsigned long arithmetic in __account_locked_vm.
            long locked = current + pages;
            if (!capIpcLock && Long.compareUnsigned(locked, limitPages) > 0) {
                throw VfioException.of(
                        Errno.ENOMEM,
                        "locked_vm of address space %d would reach %s pages, over the limit of %s",
                        id,
                        Long.toUnsignedString(locked),
                        Long.toUnsignedString(limitPages));
            }
            if (lockedVm.compareAndSet(current, locked)) {
                return;
            }
        }
    }

    @Override
    public void uncharge(long pages) {
        requireNonNegative(pages, "uncharge");
        long before = lockedVm.getAndAdd(-pages);
        if (Long.compareUnsigned(pages, before) > 0) {
            underflows.incrementAndGet();
            // mm/util.c __account_locked_vm: WARN_ON_ONCE(pages > locked_vm).
            host.warn(
                    "locked_vm underflow in address space "
                            + id
                            + ": "
                            + Long.toUnsignedString(before)
                            + " - "
                            + pages
                            + " wraps");
        }
    }

    @Override
    public PinnedRun pinRun(long vaddr, long maxPages, boolean write) {
        requireRunArgs(vaddr, maxPages);
        // No space lock: regions come from the published snapshot (a pin racing an munmap or an
        // exit is ordered before it, as pins outlive both anyway).
        requireAlive("pin");
        host.faults()
                .hit(FaultInjector.FaultSite.PIN)
                .ifPresent(
                        errno -> {
                            throw VfioException.of(errno, "injected pin failure at 0x%x", vaddr);
                        });
        Region region = regionAt(vaddr, write);
        PinnedRun run = region.runAt(vaddr, maxPages);
        UntouchedFrames untouched = host.untouched();
        if (untouched != null && region.kind() == RegionSpec.Kind.ANONYMOUS) {
            run = untouched.pin(run, write);
        }
        if (!run.reserved()) {
            host.memory().pin(run.pfn(), run.pages());
        }
        return run;
    }

    @Override
    public PinnedRun translate(long vaddr, long maxPages) {
        requireRunArgs(vaddr, maxPages);
        synchronized (this) {
            requireAlive("translate");
            return regionAt(vaddr, false).runAt(vaddr, maxPages);
        }
    }

    @Override
    public void read(long vaddr, byte[] dst, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, dst.length);
        synchronized (this) {
            requireAlive("read");
            requireAccessible(vaddr, length, false);
            copy(vaddr, length, (phys, done, n) -> host.memory().read(phys, dst, offset + done, n));
        }
    }

    @Override
    public void write(long vaddr, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        synchronized (this) {
            requireAlive("write");
            // Checked in full first: a refused copy leaves no partial write behind.
            requireAccessible(vaddr, length, true);
            UntouchedFrames untouched = host.untouched();
            copy(
                    vaddr,
                    length,
                    (phys, done, n) -> {
                        if (untouched != null) {
                            long first = phys >>> pageShift;
                            untouched.touch(first, ((phys + n - 1) >>> pageShift) - first + 1);
                        }
                        host.memory().write(phys, src, offset + done, n);
                    });
        }
    }

    @Override
    public synchronized void retain() {
        references++;
    }

    @Override
    public synchronized void release() {
        if (references == 0) {
            throw new IllegalStateException("release of address space " + id + " without retain");
        }
        references--;
    }

    @Override
    public <T> T attachment(AttachmentKey<T> key, Supplier<T> initial) {
        Objects.requireNonNull(initial, "initial");
        return key.type().cast(attachments.computeIfAbsent(key, k -> initial.get()));
    }

    /** The regions, in address order. Empty once the space is dead. */
    public synchronized List<Region> regions() {
        return List.copyOf(regions.values());
    }

    /** Maps a region; frames come from the host. */
    synchronized Region map(RegionSpec spec, long anonymousRunPages) {
        if (!alive) {
            throw new IllegalStateException("mmap in dead address space " + id);
        }
        int backingShift = spec.backingPageShift(pageShift);
        if (backingShift < pageShift) {
            throw new IllegalArgumentException(
                    spec + ": backing pages are smaller than the host page size 2^" + pageShift);
        }
        requireAligned(spec.vaddr(), spec.size(), backingShift, spec.toString());
        long last = spec.vaddr() + spec.size() - 1;
        Map.Entry<Long, Region> before = regions.floorEntry(last);
        if (before != null
                && Long.compareUnsigned(before.getValue().lastAddress(), spec.vaddr()) >= 0) {
            throw new IllegalArgumentException(spec + " overlaps " + before.getValue());
        }
        Region region = host.placeRegion(spec, anonymousRunPages);
        regions.put(region.vaddr(), region);
        publish();
        LOG.debug("address space {}: mapped {}", id, region);
        return region;
    }

    /** Unmaps {@code [vaddr, vaddr + size)}, splitting regions it cuts; holes are fine. */
    synchronized void unmap(long vaddr, long size) {
        if (!alive) {
            throw new IllegalStateException("munmap in dead address space " + id);
        }
        requireAligned(vaddr, size, pageShift, "munmap");
        long last = vaddr + size - 1;
        List<Region> cut = new ArrayList<>();
        Map.Entry<Long, Region> first = regions.floorEntry(vaddr);
        Long from = first != null && first.getValue().contains(vaddr) ? first.getKey() : vaddr;
        for (Region r : regions.subMap(from, true, last, true).values()) {
            cut.add(r);
        }
        List<Region> keep = new ArrayList<>();
        for (Region r : cut) {
            if (Long.compareUnsigned(r.vaddr(), vaddr) < 0) {
                keep.add(r.slice(r.vaddr(), vaddr - r.vaddr()));
            }
            if (Long.compareUnsigned(r.lastAddress(), last) > 0) {
                keep.add(r.slice(last + 1, r.lastAddress() - last));
            }
        }
        for (Region k : keep) {
            // Like munmap of hugetlbfs memory, a cut must fall on a backing page boundary.
            requireAligned(k.vaddr(), k.size(), k.backingPageShift(), "munmap remainder " + k);
        }
        cut.forEach(r -> regions.remove(r.vaddr()));
        keep.forEach(k -> regions.put(k.vaddr(), k));
        publish();
        LOG.debug(
                "address space {}: unmapped {} regions in [0x{}, +0x{})",
                id,
                cut.size(),
                Long.toHexString(vaddr),
                Long.toHexString(size));
    }

    /** The address space loses its users (exit or exec): regions go, the counter stays. */
    synchronized void kill() {
        alive = false;
        regions.clear();
        publish();
        LOG.debug("address space {} of pid {} is dead, locked_vm {}", id, ownerPid, lockedVm.get());
    }

    /** A chunk of a user copy: {@code n} bytes at physical {@code phys}, {@code done} copied. */
    @FunctionalInterface
    private interface ChunkCopier {
        void copy(long phys, int done, int n);
    }

    private void copy(long vaddr, int length, ChunkCopier copier) {
        int done = 0;
        long pageMask = (1L << pageShift) - 1;
        while (done < length) {
            long addr = vaddr + done;
            long pageAddr = addr & ~pageMask;
            PinnedRun run = regionAt(addr, false).runAt(pageAddr, Long.MAX_VALUE);
            long inRun = (run.pages() << pageShift) - (addr - pageAddr);
            int n = (int) Math.min(length - done, inRun);
            copier.copy((run.pfn() << pageShift) + (addr - pageAddr), done, n);
            done += n;
        }
    }

    private void requireAccessible(long vaddr, int length, boolean write) {
        if (length == 0) {
            return;
        }
        long last = vaddr + length - 1;
        if (Long.compareUnsigned(last, vaddr) < 0) {
            throw VfioException.of(Errno.EFAULT, "user range at 0x%x wraps", vaddr);
        }
        long addr = vaddr;
        while (true) {
            Region r = regionAt(addr, write);
            if (Long.compareUnsigned(r.lastAddress(), last) >= 0) {
                return;
            }
            addr = r.lastAddress() + 1;
        }
    }

    /** The region at {@code vaddr}, or EFAULT if unbacked or (for a write) read-only. */
    private Region regionAt(long vaddr, boolean write) {
        Region r = lastRegion;
        if (r == null || !r.contains(vaddr)) {
            r = find(snapshot, vaddr);
            if (r == null) {
                // A space that died under a lock-free pin refuses as dead, not as unmapped.
                requireAlive("access");
                throw VfioException.of(
                        Errno.EFAULT, "no memory mapped at 0x%x in address space %d", vaddr, id);
            }
            lastRegion = r;
        }
        if (write && r.readOnly()) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "write access to read-only memory at 0x%x (%s) in address space %d",
                    vaddr,
                    r,
                    id);
        }
        return r;
    }

    /** The region of {@code sorted} containing {@code vaddr}, or null (unsigned binary search). */
    private static Region find(Region[] sorted, long vaddr) {
        int lo = 0;
        int hi = sorted.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region m = sorted[mid];
            if (Long.compareUnsigned(vaddr, m.vaddr()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(vaddr, m.lastAddress()) > 0) {
                lo = mid + 1;
            } else {
                return m;
            }
        }
        return null;
    }

    /** Republishes the region snapshot after a change; the caller holds the space's lock. */
    private void publish() {
        lastRegion = null;
        snapshot = regions.values().toArray(new Region[0]);
    }

    private void requireAlive(String op) {
        if (!alive) {
            throw VfioException.of(
                    Errno.ENODEV,
                    "%s in address space %d: its process %d exited or exec'ed",
                    op,
                    id,
                    ownerPid);
        }
    }

    private void requireRunArgs(long vaddr, long maxPages) {
        if (maxPages <= 0) {
            throw new IllegalArgumentException("maxPages must be positive: " + maxPages);
        }
        if ((vaddr & ((1L << pageShift) - 1)) != 0) {
            throw new IllegalArgumentException(
                    "vaddr 0x" + Long.toHexString(vaddr) + " is not page aligned");
        }
    }

    private static void requireNonNegative(long pages, String op) {
        if (pages < 0) {
            throw new IllegalArgumentException(op + " of a negative page count: " + pages);
        }
    }

    private static void requireAligned(long vaddr, long size, int shift, String what) {
        long mask = (1L << shift) - 1;
        if ((vaddr & mask) != 0 || (size & mask) != 0 || size <= 0) {
            throw new IllegalArgumentException(
                    what
                            + ": address 0x"
                            + Long.toHexString(vaddr)
                            + " and size 0x"
                            + Long.toHexString(size)
                            + " must be positive multiples of 0x"
                            + Long.toHexString(1L << shift));
        }
        if (Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
            throw new IllegalArgumentException(what + ": range wraps the address space");
        }
    }

    @Override
    public String toString() {
        return "mm " + id + " (pid " + ownerPid + ")";
    }
}
