package io.vfio4j.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * QEMU's host memory as the replay builds it: blocks sorted by address, none overlapping, and how
 * they were obtained (a file, or guessed from the trace).
 */
public final class MemoryLayout {
    private final List<MemoryBlock> blocks;
    private final String origin;

    /**
     * @param origin where the blocks came from, for reports ("info ramblock FILE", "guessed from
     *     the trace's vaddrs")
     * @throws IllegalArgumentException if two blocks overlap
     */
    public MemoryLayout(List<MemoryBlock> blocks, String origin) {
        List<MemoryBlock> sorted = new ArrayList<>(blocks);
        sorted.sort(Comparator.comparing(MemoryBlock::hva, Long::compareUnsigned));
        for (int i = 1; i < sorted.size(); i++) {
            MemoryBlock a = sorted.get(i - 1);
            MemoryBlock b = sorted.get(i);
            if (Long.compareUnsigned(a.end(), b.hva()) > 0) {
                throw new IllegalArgumentException(
                        "blocks " + a.name() + " and " + b.name() + " overlap");
            }
        }
        this.blocks = List.copyOf(sorted);
        this.origin = origin;
    }

    public List<MemoryBlock> blocks() {
        return blocks;
    }

    public String origin() {
        return origin;
    }

    /** The block holding all of {@code [vaddr, vaddr + length)}, if one does. */
    public Optional<MemoryBlock> blockOf(long vaddr, long length) {
        int lo = 0;
        int hi = blocks.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            MemoryBlock b = blocks.get(mid);
            if (Long.compareUnsigned(b.hva(), vaddr) > 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(vaddr, b.end()) >= 0) {
                lo = mid + 1;
            } else {
                return b.contains(vaddr, length) ? Optional.of(b) : Optional.empty();
            }
        }
        return Optional.empty();
    }
}
