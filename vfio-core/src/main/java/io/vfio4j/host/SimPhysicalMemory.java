package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.PhysicalMemory;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The host's page frames: where regions get their frames (two bump allocators, RAM and MMIO),
 * sparse pin counts ({@link PinTable}), dirty marks and sparse contents. Frames are never reused,
 * so a frame pinned by a process that exited stays distinct and pinned until unpinned. Thread-safe:
 * one lock guards everything.
 */
public final class SimPhysicalMemory implements PhysicalMemory {
    /** RAM starts at 4 GiB physical, below it is the legacy hole. */
    private static final long RAM_BASE = 1L << 32;

    /** MMIO lives from 1 PiB up, far from RAM, so no RAM run ever touches a device frame. */
    private static final long MMIO_BASE = 1L << 50;

    private static final long MMIO_END = 1L << 56;

    private final Object lock = new Object();
    private final int pageShift;
    private final PinTable pins = new PinTable();
    private final DirtyFrames dirty = new DirtyFrames();
    private final PageContents contents;

    /** Allocated frame ranges, start -> end (exclusive): which frames exist at all. */
    private final TreeMap<Long, Long> allocated = new TreeMap<>();

    private long nextRamPfn;
    private long nextMmioPfn;

    SimPhysicalMemory(int pageShift) {
        this.pageShift = pageShift;
        this.contents = new PageContents(pageShift);
        this.nextRamPfn = RAM_BASE >>> pageShift;
        this.nextMmioPfn = MMIO_BASE >>> pageShift;
    }

    /** The host page size in bytes. */
    public long pageSize() {
        return 1L << pageShift;
    }

    /**
     * Reserves {@code pages} RAM frames such that frame {@code base + leadPages} is aligned to
     * {@code alignPages}; returns {@code base}.
     */
    long allocateRam(long pages, long leadPages, long alignPages) {
        synchronized (lock) {
            long aligned = alignUp(nextRamPfn + leadPages, alignPages);
            long base = aligned - leadPages;
            if (base + pages > MMIO_BASE >>> pageShift) {
                throw new IllegalStateException(
                        "simulated host is out of RAM address space for " + pages + " pages");
            }
            // A one-frame gap: consecutive regions are never physically contiguous either.
            nextRamPfn = base + pages + 1;
            allocated.put(base, base + pages);
            return base;
        }
    }

    /** Reserves {@code pages} MMIO frames aligned to {@code alignPages}; returns the first. */
    long allocateMmio(long pages, long alignPages) {
        synchronized (lock) {
            long base = alignUp(nextMmioPfn, alignPages);
            if (base + pages > MMIO_END >>> pageShift) {
                throw new IllegalStateException(
                        "simulated host is out of MMIO address space for " + pages + " pages");
            }
            nextMmioPfn = base + pages + 1;
            allocated.put(base, base + pages);
            return base;
        }
    }

    /** True if {@code pfn} is a device (MMIO) frame, which has no page struct. */
    public boolean isDeviceFrame(long pfn) {
        return pfn >= MMIO_BASE >>> pageShift;
    }

    /** Adds one pin to each frame of the run (the frames may or may not be pinned already). */
    void pin(long pfn, long pages) {
        synchronized (lock) {
            pins.pin(pfn, pages);
        }
    }

    @Override
    public void unpin(long pfn, long pages, boolean dirty) {
        requireRun(pfn, pages);
        synchronized (lock) {
            pins.unpin(pfn, pages);
            if (dirty) {
                this.dirty.add(pfn, pages);
            }
        }
    }

    @Override
    public void repin(long pfn, long pages) {
        requireRun(pfn, pages);
        synchronized (lock) {
            pins.repin(pfn, pages);
        }
    }

    @Override
    public long pinCount(long pfn) {
        synchronized (lock) {
            return pins.count(pfn);
        }
    }

    /** Frames with at least one pin. O(segments): for checks and reports. */
    public long totalPinnedFrames() {
        long[] total = new long[1];
        forEachPinned((pfn, pages, count) -> total[0] += pages);
        return total[0];
    }

    /** The sum of all frames' pin counts. */
    public long totalPins() {
        synchronized (lock) {
            return pins.totalPins();
        }
    }

    /** Entries of the pin table (interval segments plus single-frame entries): its real size. */
    public int segmentCount() {
        synchronized (lock) {
            return pins.segmentCount();
        }
    }

    /**
     * Visits the pinned frames in ascending frame order as maximal runs of equal pin count. The
     * visitor runs under the memory lock: it must not call other threads that use this memory.
     */
    public void forEachPinned(PinSegmentVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        synchronized (lock) {
            pins.forEach(visitor);
        }
    }

    /** Frames marked dirty by an unpin with {@code dirty} set. */
    public long dirtyPages() {
        synchronized (lock) {
            return dirty.size();
        }
    }

    public boolean isDirty(long pfn) {
        synchronized (lock) {
            return dirty.contains(pfn);
        }
    }

    /** Frames whose contents were ever written (the only ones that cost heap). */
    public int materializedFrames() {
        synchronized (lock) {
            return contents.materializedFrames();
        }
    }

    @Override
    public void read(long physAddr, byte[] dst, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, dst.length);
        synchronized (lock) {
            requireBacked(physAddr, length);
            contents.read(physAddr, dst, offset, length);
        }
    }

    @Override
    public void write(long physAddr, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        synchronized (lock) {
            requireBacked(physAddr, length);
            contents.write(physAddr, src, offset, length);
        }
    }

    /** EFAULT unless every frame of the access exists (RAM or MMIO handed to some region). */
    private void requireBacked(long physAddr, int length) {
        if (length == 0) {
            return;
        }
        long last = physAddr + length - 1;
        long firstPfn = physAddr >>> pageShift;
        long lastPfn = last >>> pageShift;
        Map.Entry<Long, Long> e = allocated.floorEntry(firstPfn);
        // One access never spans two reservations: they are separated by a gap frame.
        if (physAddr < 0 || last < physAddr || e == null || lastPfn >= e.getValue()) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "physical range [0x%x, 0x%x] is not backed by host memory",
                    physAddr,
                    last);
        }
    }

    private static void requireRun(long pfn, long pages) {
        if (pfn < 0 || pages <= 0) {
            throw new IllegalArgumentException(
                    "bad frame run: pfn 0x" + Long.toHexString(pfn) + " pages " + pages);
        }
    }

    private static long alignUp(long value, long align) {
        return (value + align - 1) / align * align;
    }
}
