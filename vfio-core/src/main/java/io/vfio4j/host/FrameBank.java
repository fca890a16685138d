package io.vfio4j.host;

/**
 * One reservation of host frames (a region's RAM, or a BAR) with its own lock, pin counts and dirty
 * marks. Reservations are separated by a gap frame, so every run that is pinned or unpinned lies in
 * one bank: containers of different VMs, whose frames come from different reservations, never share
 * a lock or a table. Thread-safe: the bank's {@link IsolatedMutex} guards its tables (not its
 * monitor, whose header word a copying collector may place next to another VM's hot data).
 */
final class FrameBank extends CacheLinePadding.Leading {
    // Trailing padding: the next object in memory does not share the line of this one's last
    // fields.
    @SuppressWarnings("unused")
    private long p10, p11, p12, p13, p14, p15, p16, p17;

    private final long basePfn;
    private final long endPfn;
    private final PinTable pins = new PinTable();
    private final io.vfio4j.api.PinMoments moments = new io.vfio4j.api.PinMoments();
    private final DirtyFrames dirty;
    private final IsolatedMutex lock = new IsolatedMutex();

    FrameBank(long basePfn, long pages) {
        this.basePfn = basePfn;
        this.endPfn = basePfn + pages;
        this.dirty = new DirtyFrames(basePfn, pages);
    }

    long basePfn() {
        return basePfn;
    }

    /** The first frame after the bank. */
    long endPfn() {
        return endPfn;
    }

    /** True if {@code [pfn, pfn + pages)} lies inside the bank. */
    boolean holds(long pfn, long pages) {
        return pfn >= basePfn && pages <= endPfn - pfn;
    }

    void pin(long pfn, long pages) {
        lock.lock();
        try {
            pins.pin(pfn, pages);
            moments.add(pfn, pages, 1);
        } finally {
            lock.unlock();
        }
    }

    void unpin(long pfn, long pages, boolean markDirty) {
        lock.lock();
        try {
            pins.unpin(pfn, pages);
            moments.add(pfn, pages, -1);
            if (markDirty) {
                dirty.add(pfn, pages);
            }
        } finally {
            lock.unlock();
        }
    }

    void repin(long pfn, long pages) {
        lock.lock();
        try {
            pins.repin(pfn, pages);
            moments.add(pfn, pages, 1);
        } finally {
            lock.unlock();
        }
    }

    /** Adds this bank's pin totals to {@code sum}. */
    void addMomentsTo(io.vfio4j.api.PinMoments sum) {
        lock.lock();
        try {
            sum.add(moments);
        } finally {
            lock.unlock();
        }
    }

    long pinCount(long pfn) {
        lock.lock();
        try {
            return pins.count(pfn);
        } finally {
            lock.unlock();
        }
    }

    long totalPins() {
        lock.lock();
        try {
            return pins.totalPins();
        } finally {
            lock.unlock();
        }
    }

    int segmentCount() {
        lock.lock();
        try {
            return pins.segmentCount();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Visits the bank's pinned runs in ascending frame order, as they were at one moment: they are
     * copied under the lock and visited after it, so a visitor may call back into the memory (the
     * lock is not re-entrant).
     */
    void forEachPinned(PinSegmentVisitor visitor) {
        RunCopy copy = new RunCopy();
        lock.lock();
        try {
            pins.forEach(copy);
        } finally {
            lock.unlock();
        }
        copy.replay(visitor);
    }

    /** Pinned runs copied as (pfn, pages, count) triples. */
    private static final class RunCopy implements PinSegmentVisitor {
        private long[] triples = new long[48];
        private int n;

        @Override
        public void visit(long pfn, long pages, long pinsPerFrame) {
            if (n + 3 > triples.length) {
                triples = java.util.Arrays.copyOf(triples, triples.length * 2);
            }
            triples[n++] = pfn;
            triples[n++] = pages;
            triples[n++] = pinsPerFrame;
        }

        void replay(PinSegmentVisitor visitor) {
            for (int i = 0; i < n; i += 3) {
                visitor.visit(triples[i], triples[i + 1], triples[i + 2]);
            }
        }
    }

    long dirtyPages() {
        lock.lock();
        try {
            return dirty.size();
        } finally {
            lock.unlock();
        }
    }

    boolean isDirty(long pfn) {
        lock.lock();
        try {
            return dirty.contains(pfn);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "frames [0x" + Long.toHexString(basePfn) + ", 0x" + Long.toHexString(endPfn) + ")";
    }
}
