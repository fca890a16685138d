package io.vfio4j.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * A guest RAM block QEMU maps for DMA: where it sits in the guest (IOVA without a vIOMMU) and in
 * QEMU's address space.
 *
 * @param owner the memory device's alias, or "" for initial RAM
 */
record RamRegion(String name, String owner, long iova, long vaddr, long bytes) {
    /** QEMU's RAM sits far from the low addresses the simulated host reserves. */
    static final long VADDR_BASE = 0x4000_0000_0000L;

    private static final long GIB = 1L << 30;

    /** Initial RAM below 4 GiB is capped here, leaving the PCI hole and the MSI window free. */
    private static final long LOW_LIMIT = 2 * GIB;

    /**
     * The layout the planner uses: initial RAM at 0 (at most 2 GiB), the rest at 4 GiB, then each
     * memory device's mapped part at the next GiB boundary. Only the sizes decide the accounting;
     * the places only keep mappings apart.
     */
    static List<RamRegion> layout(DomainSpec d) {
        List<RamRegion> out = new ArrayList<>();
        long initial = d.initialKiB() * 1024;
        long low = Math.min(initial, LOW_LIMIT);
        out.add(region("ram-below-4g", "", 0, low));
        long next = 4 * GIB;
        if (initial > low) {
            out.add(region("ram-above-4g", "", next, initial - low));
            next += initial - low;
        }
        for (DomainSpec.MemoryDevice m : d.memoryDevices()) {
            next = Sizes.roundUp(next, GIB);
            long bytes = m.mappedKiB() * 1024;
            if (bytes > 0) {
                out.add(region(m.alias(), m.alias(), next, bytes));
            }
            next += m.sizeKiB() * 1024;
        }
        return out;
    }

    /** The next free place for a memory device plugged later. */
    static long nextFree(List<RamRegion> regions, long reservedEnd) {
        long end = reservedEnd;
        for (RamRegion r : regions) {
            end = Math.max(end, r.iova + r.bytes);
        }
        return Sizes.roundUp(end, GIB);
    }

    static RamRegion region(String name, String owner, long iova, long bytes) {
        return new RamRegion(name, owner, iova, VADDR_BASE + iova, bytes);
    }
}
