package io.vfio4j.replay;

import io.vfio4j.replay.TraceEvent.MapCall;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The first pass over a trace: the host ranges its maps name. Without a memory description they
 * become the blocks (guessed, as RAM); with one, the ranges no block holds become device blocks,
 * since QEMU maps only RAM blocks and BAR mmaps. Keeps one entry per disjoint range, not per call.
 */
final class BlockInference {
    // start -> end (exclusive), unsigned, merged when they overlap or touch.
    private final TreeMap<Long, Long> ranges = new TreeMap<>(Long::compareUnsigned);
    // Host ranges mapped with the size of a BAR mmap announced before: device memory.
    private final TreeMap<Long, Long> barRanges = new TreeMap<>(Long::compareUnsigned);
    private final Set<Long> barSizes = new HashSet<>();
    // Guessed maps by (vaddr - iova): the IOVA ranges of each, merged when they touch. A BAR
    // mapped in pieces around its MSI-X table keeps one offset across its pieces.
    private final TreeMap<Long, TreeMap<Long, Long>> piecesByOffset = new TreeMap<>();
    // IOVA ranges the listener skipped (region_add_skip): MMIO such as an MSI-X table.
    private final TreeMap<Long, Long> skipped = newRanges();
    // PCI memory BARs never sit in the first MiB (legacy VGA, option ROMs, BIOS shadow: RAM or
    // ROM that QEMU maps like any block); a map there is never taken for a BAR.
    private static final long LOW_MEMORY_END = 0x100000;
    private final Optional<MemoryLayout> described;
    private long withoutVaddr;

    BlockInference(Optional<MemoryLayout> described) {
        this.described = described;
    }

    void accept(TraceEvent e) {
        if (e instanceof TraceEvent.BarMmap b) {
            barSizes.add(b.size());
            return;
        }
        if (e instanceof TraceEvent.SkippedSection k) {
            if (Long.compareUnsigned(k.iova() + k.size(), k.iova()) > 0) {
                add(skipped, k.iova(), k.iova() + k.size());
            }
            return;
        }
        if (!(e instanceof MapCall m) || m.size() == 0) {
            return;
        }
        if (m.vaddr() == -1 || m.vaddr() == 0) {
            withoutVaddr++;
            return;
        }
        long start = m.vaddr();
        long end = start + m.size();
        if (Long.compareUnsigned(end, start) < 0) {
            return; // wraps: the model answers it, no block can hold it
        }
        if (described.isPresent() && described.get().blockOf(start, m.size()).isPresent()) {
            return;
        }
        if (described.isEmpty()
                && barSizes.contains(m.size())
                && Long.compareUnsigned(m.iova(), LOW_MEMORY_END) >= 0
                && !overlaps(ranges, start, end)) {
            add(barRanges, start, end);
            return;
        }
        add(ranges, start, end);
        if (described.isEmpty() && Long.compareUnsigned(m.iova() + m.size(), m.iova()) > 0) {
            add(
                    piecesByOffset.computeIfAbsent(m.vaddr() - m.iova(), k -> newRanges()),
                    m.iova(),
                    m.iova() + m.size());
        }
    }

    private static TreeMap<Long, Long> newRanges() {
        return new TreeMap<>(Long::compareUnsigned);
    }

    /**
     * A BAR mapped in pieces: guessed maps with one vaddr - iova offset that fill a window of an
     * announced BAR mmap's size, aligned to it (BARs are naturally aligned) and above the first MiB
     * (where RAM split around the legacy VGA hole would otherwise match), either (a) two or more
     * pieces spanning the window exactly, or (b) pieces that leave only sections the trace shows
     * skipped (the MSI-X table) and sub-page remainders (the listener maps whole host pages only).
     * Their host ranges move from the RAM guesses to the device ones.
     */
    private void claimSplitBars(long pageSize) {
        for (Map.Entry<Long, TreeMap<Long, Long>> g : piecesByOffset.entrySet()) {
            TreeMap<Long, Long> pieces = g.getValue();
            if (!isSplitBar(pieces, pageSize)) {
                continue;
            }
            for (Map.Entry<Long, Long> p : pieces.entrySet()) {
                long hostStart = p.getKey() + g.getKey();
                long hostEnd = p.getValue() + g.getKey();
                remove(ranges, hostStart, hostEnd);
                add(barRanges, hostStart, hostEnd);
            }
        }
    }

    private boolean isSplitBar(TreeMap<Long, Long> pieces, long pageSize) {
        long first = pieces.firstKey();
        long last = pieces.lastEntry().getValue();
        if (Long.compareUnsigned(first, LOW_MEMORY_END) < 0) {
            return false;
        }
        if (pieces.size() >= 2 && barSizes.contains(last - first)) {
            long span = last - first;
            if (Long.remainderUnsigned(first, span) == 0) {
                return true;
            }
        }
        for (long size : barSizes) {
            long window = first - Long.remainderUnsigned(first, size);
            long windowEnd = window + size;
            if (Long.compareUnsigned(window, LOW_MEMORY_END) < 0
                    || Long.compareUnsigned(windowEnd, window) <= 0
                    || Long.compareUnsigned(last, windowEnd) > 0
                    || !overlaps(skipped, window, windowEnd)
                    || !onlySmallGaps(window, windowEnd, pieces, pageSize)) {
                continue;
            }
            return true;
        }
        return false;
    }

    /** Whether [start, end) less the pieces and the skipped sections leaves only sub-page gaps. */
    private boolean onlySmallGaps(long start, long end, TreeMap<Long, Long> pieces, long page) {
        TreeMap<Long, Long> covered = newRanges();
        for (TreeMap<Long, Long> m : List.of(pieces, skipped)) {
            Long from = m.floorKey(start);
            for (Map.Entry<Long, Long> r :
                    m.subMap(from == null ? start : from, true, end, false).entrySet()) {
                add(covered, r.getKey(), r.getValue());
            }
        }
        long at = start;
        for (Map.Entry<Long, Long> r : covered.entrySet()) {
            if (Long.compareUnsigned(r.getValue(), at) <= 0) {
                continue;
            }
            if (Long.compareUnsigned(r.getKey(), at) > 0 && r.getKey() - at >= page) {
                return false;
            }
            at = max(at, r.getValue());
            if (Long.compareUnsigned(at, end) >= 0) {
                return true;
            }
        }
        return end - at < page;
    }

    /** Takes [start, end) out of the merged ranges, splitting the ranges it cuts. */
    private static void remove(TreeMap<Long, Long> ranges, long start, long end) {
        Map.Entry<Long, Long> e = ranges.lowerEntry(end);
        while (e != null && Long.compareUnsigned(e.getValue(), start) > 0) {
            ranges.remove(e.getKey());
            if (Long.compareUnsigned(e.getKey(), start) < 0) {
                ranges.put(e.getKey(), start);
            }
            if (Long.compareUnsigned(e.getValue(), end) > 0) {
                ranges.put(end, e.getValue());
            }
            e = ranges.lowerEntry(e.getKey());
        }
    }

    private static boolean overlaps(TreeMap<Long, Long> map, long start, long end) {
        Map.Entry<Long, Long> before = map.floorEntry(start);
        if (before != null && Long.compareUnsigned(before.getValue(), start) > 0) {
            return true;
        }
        Map.Entry<Long, Long> next = map.ceilingEntry(start);
        return next != null && Long.compareUnsigned(next.getKey(), end) < 0;
    }

    private static void add(TreeMap<Long, Long> ranges, long start, long end) {
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && Long.compareUnsigned(before.getValue(), start) >= 0) {
            start = before.getKey();
            end = max(end, before.getValue());
            ranges.remove(before.getKey());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
        while (next != null && Long.compareUnsigned(next.getKey(), end) <= 0) {
            end = max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(start);
        }
        ranges.put(start, end);
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    /** Maps that named no host address (vIOMMU, iommufd MAP_FILE, vfio-user). */
    long withoutVaddr() {
        return withoutVaddr;
    }

    /**
     * The layout to replay on, with a warning for what was guessed.
     *
     * @param pageSize blocks are widened to whole host pages
     */
    MemoryLayout layout(long pageSize, List<String> warnings) {
        claimSplitBars(pageSize);
        List<MemoryBlock> blocks =
                new ArrayList<>(described.map(MemoryLayout::blocks).orElse(List.of()));
        List<MemoryBlock> bars = new ArrayList<>();
        for (Map.Entry<Long, Long> r : barRanges.entrySet()) {
            long start = r.getKey() & -pageSize;
            long end = (r.getValue() + pageSize - 1) & -pageSize;
            for (long[] gap : gaps(start, end, blocks)) {
                bars.add(
                        new MemoryBlock(
                                "guessed-bar-" + Long.toHexString(gap[0]),
                                gap[0],
                                gap[1] - gap[0],
                                pageSize,
                                MemoryBlock.Kind.DEVICE));
            }
        }
        if (!bars.isEmpty()) {
            StringBuilder w =
                    new StringBuilder("no --memory given: ")
                            .append(bars.size())
                            .append(
                                    " mapped host range(s) have the size of a BAR mmap the trace"
                                            + " announced (vfio_region_mmap), whole or in pieces"
                                            + " around a hole: treated as device memory (mapped,"
                                            + " never charged): ");
            for (int i = 0; i < bars.size(); i++) {
                w.append(i == 0 ? "" : ", ")
                        .append(Hex.of(bars.get(i).hva()))
                        .append(" +")
                        .append(Hex.of(bars.get(i).size()));
            }
            warnings.add(w.toString());
            blocks.addAll(bars);
        }
        List<MemoryBlock> extra = new ArrayList<>();
        MemoryBlock.Kind kind =
                described.isPresent() ? MemoryBlock.Kind.DEVICE : MemoryBlock.Kind.RAM;
        String stem = described.isPresent() ? "unlisted-" : "guessed-";
        for (Map.Entry<Long, Long> r : ranges.entrySet()) {
            long start = r.getKey() & -pageSize;
            long end = (r.getValue() + pageSize - 1) & -pageSize;
            for (long[] gap : gaps(start, end, blocks)) {
                extra.add(
                        new MemoryBlock(
                                stem + Long.toHexString(gap[0]),
                                gap[0],
                                gap[1] - gap[0],
                                pageSize,
                                kind));
            }
        }
        if (!extra.isEmpty()) {
            StringBuilder w = new StringBuilder();
            if (described.isPresent()) {
                w.append(extra.size())
                        .append(" mapped host range(s) lie in no block of ")
                        .append(described.get().origin())
                        .append(": treated as device memory (mapped, never charged): ");
            } else {
                w.append("no --memory given: ")
                        .append(extra.size())
                        .append(
                                " block(s) guessed from the mapped host addresses, all as RAM"
                                        + " (pinned and charged; a device BAR mapped for peer-to-peer"
                                        + " would be charged too, and ROM is mapped read-write): ");
            }
            for (int i = 0; i < extra.size(); i++) {
                MemoryBlock b = extra.get(i);
                w.append(i == 0 ? "" : ", ")
                        .append(Hex.of(b.hva()))
                        .append(" +")
                        .append(Hex.of(b.size()));
            }
            warnings.add(w.toString());
        }
        blocks.addAll(extra);
        String origin =
                described
                        .map(MemoryLayout::origin)
                        .orElse("guessed from the trace's host addresses");
        return new MemoryLayout(blocks, origin);
    }

    /** The parts of [start, end) no block covers. */
    private static List<long[]> gaps(long start, long end, List<MemoryBlock> blocks) {
        List<long[]> out = new ArrayList<>();
        long at = start;
        for (MemoryBlock b : blocks) {
            if (Long.compareUnsigned(b.end(), at) <= 0 || Long.compareUnsigned(b.hva(), end) >= 0) {
                continue;
            }
            if (Long.compareUnsigned(b.hva(), at) > 0) {
                out.add(new long[] {at, b.hva()});
            }
            at = max(at, b.end());
        }
        if (Long.compareUnsigned(at, end) < 0) {
            out.add(new long[] {at, end});
        }
        return out;
    }
}
