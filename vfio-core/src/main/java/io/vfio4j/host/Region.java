package io.vfio4j.host;

import io.vfio4j.api.host.PinnedRun;

/**
 * A mapped range of an address space (a VMA). Its frames are those of {@code frames} from page
 * {@code frameOffset} on; a partial munmap leaves slices that share one layout.
 *
 * @param vaddr first user address
 * @param size bytes
 * @param kind the backing
 * @param readOnly mapped without write permission
 * @param pageShift log2 of the host page size
 * @param backingPageShift log2 of the backing page size
 * @param frames the frame layout of the original mapping
 * @param frameOffset the layout index of this region's first page
 */
public record Region(
        long vaddr,
        long size,
        RegionSpec.Kind kind,
        boolean readOnly,
        int pageShift,
        int backingPageShift,
        FrameLayout frames,
        long frameOffset) {

    /** Host pages in the region. */
    public long pages() {
        return size >>> pageShift;
    }

    /** The last address of the region (inclusive). */
    public long lastAddress() {
        return vaddr + size - 1;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, vaddr) >= 0
                && Long.compareUnsigned(address, lastAddress()) <= 0;
    }

    /** True for PFNMAP device memory: reserved frames, never pinned or counted. */
    public boolean reserved() {
        return kind == RegionSpec.Kind.DEVICE;
    }

    /**
     * The run from page-aligned {@code address}: physically contiguous, inside this region, at most
     * {@code maxPages} long.
     */
    public PinnedRun runAt(long address, long maxPages) {
        long page = (address - vaddr) >>> pageShift;
        long index = frameOffset + page;
        long pages = Math.min(Math.min(frames.contiguousFrom(index), pages() - page), maxPages);
        return new PinnedRun(address, frames.pfn(index), pages, reserved(), backingPageShift);
    }

    /** The sub-range {@code [from, from + bytes)} of this region, sharing its frames. */
    Region slice(long from, long bytes) {
        return new Region(
                from,
                bytes,
                kind,
                readOnly,
                pageShift,
                backingPageShift,
                frames,
                frameOffset + ((from - vaddr) >>> pageShift));
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT)
                + " [0x"
                + Long.toHexString(vaddr)
                + ", 0x"
                + Long.toHexString(lastAddress())
                + "]"
                + (readOnly ? " ro" : "")
                + " backing 2^"
                + backingPageShift
                + " "
                + frames;
    }
}
