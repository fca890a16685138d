package io.vfio4j.host;

/**
 * One reservation of host frames (a region's RAM, or a BAR) with its own lock, pin counts and dirty
 * marks. Reservations are separated by a gap frame, so every run that is pinned or unpinned lies in
 * one bank: containers of different VMs, whose frames come from different reservations, never share
 * a lock or a table. Thread-safe: the bank's monitor guards its tables.
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

    synchronized void pin(long pfn, long pages) {
        pins.pin(pfn, pages);
        moments.add(pfn, pages, 1);
    }

    synchronized void unpin(long pfn, long pages, boolean markDirty) {
        pins.unpin(pfn, pages);
        moments.add(pfn, pages, -1);
        if (markDirty) {
            dirty.add(pfn, pages);
        }
    }

    synchronized void repin(long pfn, long pages) {
        pins.repin(pfn, pages);
        moments.add(pfn, pages, 1);
    }

    /** Adds this bank's pin totals to {@code sum}. */
    synchronized void addMomentsTo(io.vfio4j.api.PinMoments sum) {
        sum.add(moments);
    }

    synchronized long pinCount(long pfn) {
        return pins.count(pfn);
    }

    synchronized long totalPins() {
        return pins.totalPins();
    }

    synchronized int segmentCount() {
        return pins.segmentCount();
    }

    /** Visits the bank's pinned runs under its lock, in ascending frame order. */
    synchronized void forEachPinned(PinSegmentVisitor visitor) {
        pins.forEach(visitor);
    }

    synchronized long dirtyPages() {
        return dirty.size();
    }

    synchronized boolean isDirty(long pfn) {
        return dirty.contains(pfn);
    }

    @Override
    public String toString() {
        return "frames [0x" + Long.toHexString(basePfn) + ", 0x" + Long.toHexString(endPfn) + ")";
    }
}
