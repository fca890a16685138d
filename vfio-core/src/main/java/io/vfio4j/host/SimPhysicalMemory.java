package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.PhysicalMemory;
import java.util.Objects;

/**
 * The host's page frames: where regions get their frames (two bump allocators, RAM and MMIO), and,
 * per reservation, a {@link FrameBank} with pin counts and dirty marks; plus sparse contents.
 * Frames are never reused, so a frame pinned by a process that exited stays distinct and pinned
 * until unpinned. Thread-safe: each bank has its own lock (VMs pinning their own memory do not
 * contend), the allocators and the contents have one each.
 */
public final class SimPhysicalMemory implements PhysicalMemory {
    /** RAM starts at 4 GiB physical, below it is the legacy hole. */
    private static final long RAM_BASE = 1L << 32;

    /** MMIO lives from 1 PiB up, far from RAM, so no RAM run ever touches a device frame. */
    private static final long MMIO_BASE = 1L << 50;

    private static final long MMIO_END = 1L << 56;

    private final Object allocationLock = new Object();
    private final int pageShift;
    private final PageContents contents;

    /** The banks in frame order; replaced whole (copy on write) by the rare allocation. */
    private volatile BankIndex banks = new BankIndex(new long[0], new FrameBank[0]);

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
        synchronized (allocationLock) {
            long aligned = alignUp(nextRamPfn + leadPages, alignPages);
            long base = aligned - leadPages;
            if (base + pages > MMIO_BASE >>> pageShift) {
                throw new IllegalStateException(
                        "simulated host is out of RAM address space for " + pages + " pages");
            }
            // A one-frame gap: consecutive regions are never physically contiguous either.
            nextRamPfn = base + pages + 1;
            banks = banks.with(new FrameBank(base, pages));
            return base;
        }
    }

    /** Reserves {@code pages} MMIO frames aligned to {@code alignPages}; returns the first. */
    long allocateMmio(long pages, long alignPages) {
        synchronized (allocationLock) {
            long base = alignUp(nextMmioPfn, alignPages);
            if (base + pages > MMIO_END >>> pageShift) {
                throw new IllegalStateException(
                        "simulated host is out of MMIO address space for " + pages + " pages");
            }
            nextMmioPfn = base + pages + 1;
            banks = banks.with(new FrameBank(base, pages));
            return base;
        }
    }

    /** True if {@code pfn} is a device (MMIO) frame, which has no page struct. */
    public boolean isDeviceFrame(long pfn) {
        return pfn >= MMIO_BASE >>> pageShift;
    }

    /** Adds one pin to each frame of the run (the frames may or may not be pinned already). */
    void pin(long pfn, long pages) {
        requireRun(pfn, pages);
        bankOf(pfn, pages, "pin").pin(pfn, pages);
    }

    @Override
    public void unpin(long pfn, long pages, boolean dirty) {
        requireRun(pfn, pages);
        bankOf(pfn, pages, "unpin").unpin(pfn, pages, dirty);
    }

    @Override
    public void repin(long pfn, long pages) {
        requireRun(pfn, pages);
        bankOf(pfn, pages, "repin").repin(pfn, pages);
    }

    @Override
    public long pinCount(long pfn) {
        FrameBank bank = banks.find(pfn);
        return bank == null ? 0 : bank.pinCount(pfn);
    }

    /** Frames with at least one pin. O(segments): for checks and reports. */
    public long totalPinnedFrames() {
        long[] total = new long[1];
        forEachPinned((pfn, pages, count) -> total[0] += pages);
        return total[0];
    }

    /** The sum of all frames' pin counts. */
    public long totalPins() {
        long total = 0;
        for (FrameBank bank : banks.banks) {
            total += bank.totalPins();
        }
        return total;
    }

    /** Running totals of every frame's pins: O(reservations), for the per-operation check. */
    public io.vfio4j.api.PinMoments pinMoments() {
        io.vfio4j.api.PinMoments sum = new io.vfio4j.api.PinMoments();
        for (FrameBank bank : banks.banks) {
            bank.addMomentsTo(sum);
        }
        return sum;
    }

    /** Entries of the pin tables (interval segments plus single-frame entries): their real size. */
    public int segmentCount() {
        int total = 0;
        for (FrameBank bank : banks.banks) {
            total += bank.segmentCount();
        }
        return total;
    }

    /**
     * Visits the pinned frames in ascending frame order as maximal runs of equal pin count. Each
     * reservation is visited under its own lock, so a visit concurrent with pins is consistent per
     * reservation, not across them; the visitor must not call other threads that use this memory.
     */
    public void forEachPinned(PinSegmentVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        // Banks never touch (a gap frame separates them): no run continues into the next bank.
        for (FrameBank bank : banks.banks) {
            bank.forEachPinned(visitor);
        }
    }

    /** Frames marked dirty by an unpin with {@code dirty} set. */
    public long dirtyPages() {
        long total = 0;
        for (FrameBank bank : banks.banks) {
            total += bank.dirtyPages();
        }
        return total;
    }

    public boolean isDirty(long pfn) {
        FrameBank bank = banks.find(pfn);
        return bank != null && bank.isDirty(pfn);
    }

    /** Frames whose contents were ever written (the only ones that cost heap). */
    public int materializedFrames() {
        synchronized (contents) {
            return contents.materializedFrames();
        }
    }

    @Override
    public void read(long physAddr, byte[] dst, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, dst.length);
        requireBacked(physAddr, length);
        synchronized (contents) {
            contents.read(physAddr, dst, offset, length);
        }
    }

    @Override
    public void write(long physAddr, byte[] src, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, src.length);
        requireBacked(physAddr, length);
        synchronized (contents) {
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
        FrameBank bank = physAddr < 0 ? null : banks.find(firstPfn);
        // One access never spans two reservations: they are separated by a gap frame.
        if (last < physAddr || bank == null || lastPfn >= bank.endPfn()) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "physical range [0x%x, 0x%x] is not backed by host memory",
                    physAddr,
                    last);
        }
    }

    /** The bank holding the whole run; an unknown frame has never been pinned. */
    private FrameBank bankOf(long pfn, long pages, String op) {
        FrameBank bank = banks.find(pfn);
        if (bank == null || !bank.holds(pfn, pages)) {
            long bad = bank == null ? pfn : bank.endPfn();
            throw new IllegalStateException(
                    op
                            + " of frame 0x"
                            + Long.toHexString(bad)
                            + " which is not pinned (no host memory there)");
        }
        return bank;
    }

    /** The banks sorted by first frame, with their first frames in a primitive array to search. */
    private static final class BankIndex {
        final long[] bases;
        final FrameBank[] banks;

        BankIndex(long[] bases, FrameBank[] banks) {
            this.bases = bases;
            this.banks = banks;
        }

        /** The bank containing {@code pfn}, or null. */
        FrameBank find(long pfn) {
            int lo = 0;
            int hi = bases.length - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (bases[mid] <= pfn) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (found < 0 || pfn >= banks[found].endPfn()) {
                return null;
            }
            return banks[found];
        }

        BankIndex with(FrameBank bank) {
            int at = 0;
            while (at < bases.length && bases[at] < bank.basePfn()) {
                at++;
            }
            long[] b = new long[bases.length + 1];
            FrameBank[] k = new FrameBank[banks.length + 1];
            System.arraycopy(bases, 0, b, 0, at);
            System.arraycopy(banks, 0, k, 0, at);
            b[at] = bank.basePfn();
            k[at] = bank;
            System.arraycopy(bases, at, b, at + 1, bases.length - at);
            System.arraycopy(banks, at, k, at + 1, banks.length - at);
            return new BankIndex(b, k);
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
