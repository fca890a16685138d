package io.vfio4j.host;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sparse per-frame pin counts. A frame's count is the sum of two parts:
 *
 * <ul>
 *   <li>an interval map of disjoint segments {@code [start, end) -> count}, coalesced when adjacent
 *       segments have equal counts, for multi-frame pins (1 TiB pinned in 1024 runs is one
 *       segment);
 *   <li>a primitive hash of single-frame pins, for up to millions of scattered mdev-style pins.
 * </ul>
 *
 * Each pin or unpin costs O(log segments + segments touched); only an unpin over frames that were
 * pinned one by one walks those frames. Not thread-safe: {@link SimPhysicalMemory} locks.
 */
final class PinTable {
    /** A mutable segment: the map key is its start. */
    private static final class Segment {
        long end;
        long count;

        Segment(long end, long count) {
            this.end = end;
            this.count = count;
        }
    }

    /** Frame numbers stay far below 2^63, so the natural signed order is the frame order. */
    private final TreeMap<Long, Segment> segments = new TreeMap<>();

    private final LongIntHashMap singles = new LongIntHashMap();
    private long totalPins;

    long count(long pfn) {
        Map.Entry<Long, Segment> e = segments.floorEntry(pfn);
        long c = e != null && pfn < e.getValue().end ? e.getValue().count : 0;
        return c + singles.get(pfn);
    }

    long totalPins() {
        return totalPins;
    }

    /** Storage entries: interval segments plus single-frame entries. */
    int segmentCount() {
        return segments.size() + singles.size();
    }

    void pin(long pfn, long pages) {
        if (pages == 1) {
            singles.add(pfn, 1);
        } else if (!pinFresh(pfn, pfn + pages)) {
            addRange(pfn, pfn + pages);
        }
        totalPins += pages;
    }

    /**
     * The MAP fast path: a run that overlaps no segment is inserted or glued to a neighbour of
     * count 1 with a few tree operations and at most one allocation (the general path splits,
     * collects gaps and coalesces).
     *
     * @return false, changing nothing, if the run overlaps a segment
     */
    private boolean pinFresh(long start, long end) {
        Map.Entry<Long, Segment> below = segments.lowerEntry(end);
        if (below != null && below.getValue().end > start) {
            return false;
        }
        Segment above = segments.get(end);
        boolean joinAbove = above != null && above.count == 1;
        if (below != null && below.getValue().end == start && below.getValue().count == 1) {
            Segment b = below.getValue();
            if (joinAbove) {
                b.end = above.end;
                segments.remove(end);
            } else {
                b.end = end;
            }
        } else if (joinAbove) {
            segments.remove(end);
            segments.put(start, above);
        } else {
            segments.put(start, new Segment(end, 1));
        }
        return true;
    }

    /**
     * The UNMAP fast path: a run inside one segment of count 1 loses its frames by trimming or
     * cutting that segment.
     *
     * @return false, changing nothing, unless one segment of count 1 covers the run
     */
    private boolean unpinWithinLoneSegment(long start, long end) {
        Map.Entry<Long, Segment> e = segments.floorEntry(start);
        if (e == null || e.getValue().end < end || e.getValue().count != 1) {
            return false;
        }
        long segStart = e.getKey();
        Segment s = e.getValue();
        long segEnd = s.end;
        if (segStart == start) {
            segments.remove(segStart);
            if (segEnd > end) {
                s.end = segEnd;
                segments.put(end, s);
            }
        } else {
            s.end = start;
            if (segEnd > end) {
                segments.put(end, new Segment(segEnd, 1));
            }
        }
        return true;
    }

    /** Adds one pin to frames that must all be pinned already. */
    void repin(long pfn, long pages) {
        requirePinned(pfn, pfn + pages, "repin");
        pin(pfn, pages);
    }

    void unpin(long pfn, long pages) {
        // A single frame pinned alone is the common mdev case: keep segments unsplit.
        if (pages == 1 && singles.decrementIfPresent(pfn)) {
            totalPins--;
            return;
        }
        long end = pfn + pages;
        if (unpinWithinLoneSegment(pfn, end)) {
            totalPins -= pages;
            return;
        }
        requirePinned(pfn, end, "unpin");
        split(pfn);
        split(end);
        long cursor = pfn;
        Iterator<Map.Entry<Long, Segment>> it =
                segments.subMap(pfn, true, end, false).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Segment> e = it.next();
            unpinSingles(cursor, e.getKey());
            Segment s = e.getValue();
            if (--s.count == 0) {
                it.remove();
            }
            cursor = s.end;
        }
        unpinSingles(cursor, end);
        coalesce(pfn, end);
        totalPins -= pages;
    }

    /**
     * Visits maximal runs of equal total count in ascending frame order. O(segments + singles log
     * singles): meant for the invariant checker and reports, not hot paths.
     */
    void forEach(PinSegmentVisitor visitor) {
        long[] keys = singles.sortedKeys();
        Coalescer out = new Coalescer(visitor);
        int k = 0;
        for (Map.Entry<Long, Segment> e : segments.entrySet()) {
            long cursor = e.getKey();
            Segment s = e.getValue();
            while (k < keys.length && keys[k] < s.end) {
                long key = keys[k++];
                long single = singles.get(key);
                if (key < cursor) {
                    out.add(key, 1, single);
                } else {
                    out.add(cursor, key - cursor, s.count);
                    out.add(key, 1, s.count + single);
                    cursor = key + 1;
                }
            }
            out.add(cursor, s.end - cursor, s.count);
        }
        while (k < keys.length) {
            out.add(keys[k], 1, singles.get(keys[k]));
            k++;
        }
        out.flush();
    }

    private void addRange(long start, long end) {
        split(start);
        split(end);
        List<long[]> gaps = new ArrayList<>(2);
        long cursor = start;
        for (Map.Entry<Long, Segment> e : segments.subMap(start, true, end, false).entrySet()) {
            if (e.getKey() > cursor) {
                gaps.add(new long[] {cursor, e.getKey()});
            }
            e.getValue().count++;
            cursor = e.getValue().end;
        }
        if (cursor < end) {
            gaps.add(new long[] {cursor, end});
        }
        for (long[] g : gaps) {
            segments.put(g[0], new Segment(g[1], 1));
        }
        coalesce(start, end);
    }

    /** Throws unless every frame of {@code [start, end)} has a pin in a segment or a single. */
    private void requirePinned(long start, long end, String op) {
        long cursor = start;
        Map.Entry<Long, Segment> first = segments.floorEntry(start);
        long from = first != null && first.getValue().end > start ? first.getKey() : start;
        for (Map.Entry<Long, Segment> e : segments.subMap(from, true, end, false).entrySet()) {
            requireSingles(cursor, e.getKey(), op);
            cursor = Math.max(cursor, e.getValue().end);
        }
        requireSingles(cursor, end, op);
    }

    private void requireSingles(long start, long end, String op) {
        for (long p = start; p < end; p++) {
            if (singles.get(p) == 0) {
                throw new IllegalStateException(
                        op + " of frame 0x" + Long.toHexString(p) + " which is not pinned");
            }
        }
    }

    private void unpinSingles(long start, long end) {
        for (long p = start; p < end; p++) {
            singles.add(p, -1);
        }
    }

    /** Makes {@code at} a segment boundary if a segment straddles it. */
    private void split(long at) {
        Map.Entry<Long, Segment> e = segments.lowerEntry(at);
        if (e != null && e.getValue().end > at) {
            Segment s = e.getValue();
            segments.put(at, new Segment(s.end, s.count));
            s.end = at;
        }
    }

    /** Merges equal-count neighbours around {@code [start, end]} so segments stay maximal. */
    private void coalesce(long start, long end) {
        Long key = segments.lowerKey(start);
        if (key == null) {
            key = segments.ceilingKey(start);
        }
        while (key != null && key <= end) {
            Segment s = segments.get(key);
            Map.Entry<Long, Segment> next = segments.higherEntry(key);
            if (next != null && next.getKey() == s.end && next.getValue().count == s.count) {
                s.end = next.getValue().end;
                segments.remove(next.getKey());
            } else {
                key = next == null ? null : next.getKey();
            }
        }
    }

    /** Joins adjacent pieces of equal count before handing them to the visitor. */
    private static final class Coalescer {
        private final PinSegmentVisitor visitor;
        private long start;
        private long pages;
        private long count;

        Coalescer(PinSegmentVisitor visitor) {
            this.visitor = visitor;
        }

        void add(long pfn, long n, long c) {
            if (n <= 0) {
                return;
            }
            if (pages > 0 && start + pages == pfn && count == c) {
                pages += n;
                return;
            }
            flush();
            start = pfn;
            pages = n;
            count = c;
        }

        void flush() {
            if (pages > 0) {
                visitor.visit(start, pages, count);
                pages = 0;
            }
        }
    }
}
