package io.vfio4j.spapr;

/**
 * The PowerNV IODA2 table arithmetic (docs/reference/spapr-tce.md §4), used by the backend for
 * windows it creates without a hardware endpoint (emulated groups under the external-pinning
 * extension), so that such windows cost what the same window costs on PowerNV. Hardware endpoints
 * answer their own {@code tableSize}.
 */
final class TableSizeCalculator {
    static final int MAX_LEVELS = 5;

    /** {@code (levelShift - 3) * levels + pageShift} must stay below this many address bits. */
    static final int MAX_ADDRESS_BITS = 55;

    private final int systemPageShift;

    TableSizeCalculator(int systemPageShift) {
        this.systemPageShift = systemPageShift;
    }

    /** True if the geometry is one a table can be sized for at all (else size 0, EINVAL). */
    boolean valid(int pageShift, long windowSize, int levels) {
        return levels >= 1
                && levels <= MAX_LEVELS
                && Long.bitCount(windowSize) == 1
                && pageShift >= 12
                && pageShift <= 40
                && windowSize >= (1L << pageShift);
    }

    /** log2 of a level chunk in bytes: entry bits split evenly, at least one system page. */
    int levelShiftBytes(int pageShift, long windowSize, int levels) {
        int entriesShift = Long.numberOfTrailingZeros(windowSize) - pageShift;
        return Math.max((entriesShift + levels - 1) / levels + 3, systemPageShift);
    }

    /** Bytes of table plus userspace shadow, every level rounded to whole chunks; 0 if invalid. */
    long tableBytes(int pageShift, long windowSize, int levels) {
        if (!valid(pageShift, windowSize, levels)) {
            return 0;
        }
        int entriesShift = Long.numberOfTrailingZeros(windowSize) - pageShift;
        long levelBytes = Math.max(4096L, 1L << Math.min(62, entriesShift + 3));
        long chunk = 1L << levelShiftBytes(pageShift, windowSize, levels);
        long sum = 0;
        for (int i = 0; i < levels; i++) {
            sum += (levelBytes + chunk - 1) / chunk * chunk;
            levelBytes = Math.max((levelBytes / chunk) * 8, chunk);
        }
        return sum * 2;
    }

    /** True if the TCE address bits can reach every entry. */
    boolean addressable(int pageShift, long windowSize, int levels) {
        return (long) (levelShiftBytes(pageShift, windowSize, levels) - 3) * levels + pageShift
                < MAX_ADDRESS_BITS;
    }
}
