package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.MemFile;
import io.vfio4j.api.host.PinnedRun;

/**
 * A simulated {@code memfd}: its pages are the frames of a region placed in a private address space
 * that no process owns (the page cache of the file), so pinning them charges nobody; whoever maps
 * the file through iommufd is charged (docs/reference/iommufd.md §4.3). {@link #truncate} shrinks
 * what can still be pinned; frames pinned earlier stay pinned. Made by {@link SimHost#memfdCreate}.
 */
public final class SimMemfd implements MemFile {
    /** Where the file's pages sit in its private address space. */
    private static final long BASE = 0x1000_0000_0000L;

    private final SimAddressSpace pages;
    private final long capacity;
    private final long pageSize;
    private volatile long size;

    SimMemfd(SimHost host, RegionSpec.Kind kind, long size) {
        this.pageSize = host.pageSize();
        long rounded = (size + pageSize - 1) / pageSize * pageSize;
        this.pages = host.newAddressSpace(0);
        RegionSpec spec =
                kind == RegionSpec.Kind.THP
                        ? RegionSpec.thp(BASE, roundTo(rounded, 2L << 20))
                        : RegionSpec.anonymous(BASE, Math.max(rounded, pageSize));
        pages.map(spec, host.anonymousRunPages());
        this.capacity = spec.size();
        this.size = size;
    }

    private static long roundTo(long v, long unit) {
        return Math.max(unit, (v + unit - 1) / unit * unit);
    }

    @Override
    public long size() {
        return size;
    }

    /** {@code ftruncate} to a size not above the one it was made with. */
    public void truncate(long newSize) {
        if (newSize < 0 || newSize > capacity) {
            throw new IllegalArgumentException(
                    "memfd size " + newSize + " outside [0, " + capacity + "]");
        }
        size = newSize;
    }

    @Override
    public PinnedRun pinRun(long offset, long maxPages, boolean write) {
        long end = size;
        if (offset < 0 || offset >= end) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "memfd offset 0x%x is past the end of the file (0x%x)",
                    offset,
                    end);
        }
        long left = (end - offset + pageSize - 1) / pageSize;
        PinnedRun run = pages.pinRun(BASE + offset, Math.min(maxPages, left), write);
        return new PinnedRun(
                run.vaddr() - BASE, run.pfn(), run.pages(), run.reserved(), run.backingPageShift());
    }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        requireInside(offset, length);
        pages.read(BASE + offset, dst, dstOffset, length);
    }

    @Override
    public void write(long offset, byte[] src, int srcOffset, int length) {
        requireInside(offset, length);
        pages.write(BASE + offset, src, srcOffset, length);
    }

    private void requireInside(long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "memfd bytes [0x%x, +%d) lie past its end (0x%x)",
                    offset,
                    length,
                    size);
        }
    }

    @Override
    public String toString() {
        return "memfd of " + size + " bytes";
    }
}
