package io.vfio4j.host.power;

/**
 * The PowerNV IODA2 TCE table arithmetic ({@code pnv_pci_ioda2_get_table_size} and the level split
 * of {@code pnv_pci_ioda2_table_alloc_pages}).
 */
public final class PowerNvTableSize {
    /** IODA2 tables have at most 5 levels ({@code POWERNV_IOMMU_MAX_LEVELS}). */
    public static final int MAX_LEVELS = 5;

    /**
     * Hardware limit of the TCE address bits: {@code (levelShift - 3) * levels + pageShift < 55}.
     */
    public static final int MAX_ADDRESS_BITS = 55;

    private PowerNvTableSize() {}

    /**
     * log2 of one level chunk in bytes: the entry bits are split evenly over the levels, and a
     * chunk is never smaller than a system page.
     */
    public static int levelShiftBytes(
            int pageShift, long windowSize, int levels, int systemPageShift) {
        int entriesShift = log2(windowSize) - pageShift;
        int perLevel = (entriesShift + levels - 1) / levels;
        return Math.max(perLevel + 3, systemPageShift);
    }

    /**
     * Bytes charged for a table: every level rounded up to whole chunks, doubled for the userspace
     * shadow. 0 when the geometry is invalid (levels outside 1..5, window not a power of two or
     * smaller than one IOMMU page), which the backend turns into EINVAL before any charge.
     */
    public static long tableBytes(int pageShift, long windowSize, int levels, int systemPageShift) {
        if (levels < 1 || levels > MAX_LEVELS || Long.bitCount(windowSize) != 1) {
            return 0;
        }
        if (pageShift < 0 || pageShift > 62 || windowSize < (1L << pageShift)) {
            return 0;
        }
        int entriesShift = log2(windowSize) - pageShift;
        long levelBytes = Math.max(4096L, 1L << Math.min(62, entriesShift + 3));
        long chunk = 1L << levelShiftBytes(pageShift, windowSize, levels, systemPageShift);
        long sum = 0;
        for (int i = 0; i < levels; i++) {
            sum += roundUp(levelBytes, chunk);
            levelBytes = Math.max((levelBytes / chunk) * 8, chunk);
        }
        return sum * 2;
    }

    /** True if the hardware can address a table of this geometry. */
    public static boolean addressable(
            int pageShift, long windowSize, int levels, int systemPageShift) {
        int levelShift = levelShiftBytes(pageShift, windowSize, levels, systemPageShift);
        return (long) (levelShift - 3) * levels + pageShift < MAX_ADDRESS_BITS;
    }

    private static long roundUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    private static int log2(long powerOfTwo) {
        return 63 - Long.numberOfLeadingZeros(powerOfTwo);
    }
}
