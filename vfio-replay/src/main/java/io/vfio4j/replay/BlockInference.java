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
        if (described.isEmpty() && barSizes.contains(m.size()) && !overlaps(ranges, start, end)) {
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
     * A BAR mapped in pieces: two or more guessed maps with one vaddr - iova offset whose IOVA span
     * has the size of an announced BAR mmap and starts aligned to it (BARs are naturally aligned),
     * not at IOVA 0 (where RAM split around the legacy VGA hole would otherwise match). Their host
     * ranges move from the RAM guesses to the device ones.
     */
    private void claimSplitBars() {
        for (Map.Entry<Long, TreeMap<Long, Long>> g : piecesByOffset.entrySet()) {
            TreeMap<Long, Long> pieces = g.getValue();
            if (pieces.size() < 2) {
                continue;
            }
            long start = pieces.firstKey();
            long span = pieces.lastEntry().getValue() - start;
            if (start == 0
                    || !barSizes.contains(span)
                    || Long.remainderUnsigned(start, span) != 0) {
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
        claimSplitBars();
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
