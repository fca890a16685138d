package io.vfio4j.api.host;

/**
 * The geometry of a TCE table the platform allocated for a DMA window (the kernel's {@code struct
 * iommu_table} attributes): what {@link TceTableGroup#createTable} returns and {@link
 * TceTableGroup#setWindow} programs.
 *
 * @param busOffset the window's first bus address (the platform chooses it by slot)
 * @param pageShift log2 of the IOMMU page size
 * @param windowSize the window size in bytes, a power of two
 * @param levels table levels, 1 for a flat table
 * @param levelShift log2 of the entries in one table chunk (one level's allocation unit)
 * @param allocatedBytes the bytes the table and its userspace shadow take ({@code
 *     it_allocated_size}), what the backend charges and un-charges
 */
public record TceTableSpec(
        long busOffset,
        int pageShift,
        long windowSize,
        int levels,
        int levelShift,
        long allocatedBytes) {
    public TceTableSpec {
        if (pageShift < 12 || pageShift > 40) {
            throw new IllegalArgumentException("IOMMU page shift out of range: " + pageShift);
        }
        if (Long.bitCount(windowSize) != 1 || windowSize < (1L << pageShift)) {
            throw new IllegalArgumentException(
                    "window size must be a power of two of at least one page: " + windowSize);
        }
        if (levels < 1 || levelShift < 1 || levelShift > 40) {
            throw new IllegalArgumentException(
                    "bad table levels " + levels + " / level shift " + levelShift);
        }
        if ((busOffset & ((1L << pageShift) - 1)) != 0) {
            throw new IllegalArgumentException(
                    "bus offset is not page aligned: 0x" + Long.toHexString(busOffset));
        }
    }

    /** Entries of the table: one per IOMMU page of the window. */
    public long entries() {
        return windowSize >>> pageShift;
    }

    /** The index of the first entry ({@code it_offset}): bus offset in IOMMU pages. */
    public long firstEntry() {
        return busOffset >>> pageShift;
    }
}
