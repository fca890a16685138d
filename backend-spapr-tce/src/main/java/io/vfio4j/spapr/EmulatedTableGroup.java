package io.vfio4j.spapr;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.api.host.TceTableSpec;
import java.util.function.LongUnaryOperator;

/**
 * The software endpoint an emulated (mdev) group gets in a v2 container when external pinning is
 * on: it has the PowerNV geometry (default window [0, 2 GiB), 4K/64K/16M/256M pages, two windows,
 * five levels) so a container with only emulated groups can still create windows, but nothing is
 * programmed anywhere: the vendor driver reaches memory by pinning, not by DMA.
 */
final class EmulatedTableGroup implements TceTableGroup {
    static final long DEFAULT_WINDOW = 2L << 30;
    static final long PAGE_SIZES = 0x11011000L;
    static final long SLOT1_BUS_OFFSET = 1L << 59;

    private final TableSizeCalculator sizes;

    EmulatedTableGroup(int systemPageShift) {
        this.sizes = new TableSizeCalculator(systemPageShift);
    }

    @Override
    public long tce32Start() {
        return 0;
    }

    @Override
    public long tce32Size() {
        return DEFAULT_WINDOW;
    }

    @Override
    public long pageSizes() {
        return PAGE_SIZES;
    }

    @Override
    public int maxDynamicWindows() {
        return 2;
    }

    @Override
    public int maxLevels() {
        return TableSizeCalculator.MAX_LEVELS;
    }

    @Override
    public String platformType() {
        return "emulated";
    }

    @Override
    public boolean hasWindowOps() {
        return true;
    }

    @Override
    public long tableSize(int pageShift, long windowSize, int levels) {
        return sizes.tableBytes(pageShift, windowSize, levels);
    }

    @Override
    public TceTableSpec createTable(int slot, int pageShift, long windowSize, int levels) {
        if (!sizes.valid(pageShift, windowSize, levels)
                || !sizes.addressable(pageShift, windowSize, levels)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "no table of %d levels for 0x%x bytes of 2^%d pages",
                    levels,
                    windowSize,
                    pageShift);
        }
        return new TceTableSpec(
                slot == 0 ? 0 : SLOT1_BUS_OFFSET,
                pageShift,
                windowSize,
                levels,
                sizes.levelShiftBytes(pageShift, windowSize, levels) - 3,
                sizes.tableBytes(pageShift, windowSize, levels));
    }

    @Override
    public void setWindow(int slot, TceTableSpec table, LongUnaryOperator entries) {
        // nothing to program: no hardware behind an emulated group
    }
}
