package io.vfio4j.host;

/**
 * Sparse per-frame pin counts. A frame's count is the sum of two parts:
 *
 * <ul>
 *   <li>disjoint segments {@code [start, end) -> count} ({@link PinSegments}), coalesced when
 *       adjacent segments have equal counts, for multi-frame pins (1 TiB pinned in 1024 runs is one
 *       segment);
 *   <li>a primitive hash of single-frame pins, for up to millions of scattered mdev-style pins.
 * </ul>
 *
 * Each pin or unpin costs O(log segments + segments touched); only an unpin over frames that were
 * pinned one by one walks those frames. Not thread-safe: {@link FrameBank} locks.
 */
final class PinTable extends CacheLinePadding.Leading {
    // Both paddings: totalPins is written on every pin and unpin of the bank.
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    private final PinSegments segments = new PinSegments();
    private final LongIntHashMap singles = new LongIntHashMap();
    private long totalPins;

    long count(long pfn) {
        int i = segments.floor(pfn);
        long c = i >= 0 && pfn < segments.end(i) ? segments.count(i) : 0;
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
     * The MAP fast path: a run that overlaps no segment is inserted, or glued to a neighbour of
     * count 1 in place.
     *
     * @return false, changing nothing, if the run overlaps a segment
     */
    private boolean pinFresh(long start, long end) {
        int below = segments.floor(end - 1);
        if (below >= 0 && segments.end(below) > start) {
            return false;
        }
        int above = below + 1;
        boolean joinAbove =
                above < segments.size()
                        && segments.start(above) == end
                        && segments.count(above) == 1;
        boolean joinBelow =
                below >= 0 && segments.end(below) == start && segments.count(below) == 1;
        if (joinBelow && joinAbove) {
            segments.setEnd(below, segments.end(above));
            segments.remove(above);
        } else if (joinBelow) {
            segments.setEnd(below, end);
        } else if (joinAbove) {
            segments.setStart(above, start);
        } else {
            segments.insert(above, start, end, 1);
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
        if (!unpinWithinLoneSegment(pfn, end)) {
            requirePinned(pfn, end, "unpin");
            split(pfn);
            split(end);
            long cursor = pfn;
            int i = firstAtOrAfter(pfn);
            while (i < segments.size() && segments.start(i) < end) {
                unpinSingles(cursor, segments.start(i));
                cursor = segments.end(i);
                long left = segments.count(i) - 1;
                if (left == 0) {
                    segments.remove(i);
                } else {
                    segments.setCount(i, left);
                    i++;
                }
            }
            unpinSingles(cursor, end);
            coalesce(pfn, end);
        }
        totalPins -= pages;
    }

    /**
     * The UNMAP fast path: a run inside one segment of count 1 loses its frames by trimming or
     * cutting that segment.
     *
     * @return false, changing nothing, unless one segment of count 1 covers the run
     */
    private boolean unpinWithinLoneSegment(long start, long end) {
        int i = segments.floor(start);
        if (i < 0 || segments.end(i) < end || segments.count(i) != 1) {
            return false;
        }
        long segEnd = segments.end(i);
        if (segments.start(i) == start) {
            if (segEnd > end) {
                segments.setStart(i, end);
            } else {
                segments.remove(i);
            }
        } else {
            segments.setEnd(i, start);
            if (segEnd > end) {
                segments.insert(i + 1, end, segEnd, 1);
            }
        }
        return true;
    }

    /**
     * Visits maximal runs of equal total count in ascending frame order. O(segments + singles log
     * singles): meant for the invariant checker and reports, not hot paths.
     */
    void forEach(PinSegmentVisitor visitor) {
        long[] keys = singles.sortedKeys();
        Coalescer out = new Coalescer(visitor);
        int k = 0;
        for (int i = 0; i < segments.size(); i++) {
            long cursor = segments.start(i);
            long segEnd = segments.end(i);
            long count = segments.count(i);
            while (k < keys.length && keys[k] < segEnd) {
                long key = keys[k++];
                long single = singles.get(key);
                if (key < cursor) {
                    out.add(key, 1, single);
                } else {
                    out.add(cursor, key - cursor, count);
                    out.add(key, 1, count + single);
                    cursor = key + 1;
                }
            }
            out.add(cursor, segEnd - cursor, count);
        }
        while (k < keys.length) {
            out.add(keys[k], 1, singles.get(keys[k]));
            k++;
        }
        out.flush();
    }

    /** The general pin: splits at both ends, adds one to covered segments, fills the gaps. */
    private void addRange(long start, long end) {
        split(start);
        split(end);
        long cursor = start;
        int i = firstAtOrAfter(start);
        while (i < segments.size() && segments.start(i) < end) {
            long s = segments.start(i);
            if (s > cursor) {
                segments.insert(i, cursor, s, 1);
                i++;
            }
            segments.setCount(i, segments.count(i) + 1);
            cursor = segments.end(i);
            i++;
        }
        if (cursor < end) {
            segments.insert(i, cursor, end, 1);
        }
        coalesce(start, end);
    }

    /** Throws unless every frame of {@code [start, end)} has a pin in a segment or a single. */
    private void requirePinned(long start, long end, String op) {
        long cursor = start;
        int i = segments.floor(start);
        if (i < 0 || segments.end(i) <= start) {
            i++;
        }
        for (; i < segments.size() && segments.start(i) < end; i++) {
            requireSingles(cursor, segments.start(i), op);
            cursor = Math.max(cursor, segments.end(i));
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

    /** The index of the first segment starting at or after {@code pfn}. */
    private int firstAtOrAfter(long pfn) {
        int i = segments.floor(pfn);
        return i >= 0 && segments.start(i) == pfn ? i : i + 1;
    }

    /** Makes {@code at} a segment boundary if a segment straddles it. */
    private void split(long at) {
        int i = segments.floor(at - 1);
        if (i >= 0 && segments.end(i) > at) {
            segments.insert(i + 1, at, segments.end(i), segments.count(i));
            segments.setEnd(i, at);
        }
    }

    /** Merges equal-count neighbours around {@code [start, end]} so segments stay maximal. */
    private void coalesce(long start, long end) {
        int i = Math.max(0, segments.floor(start - 1));
        while (i + 1 < segments.size() && segments.start(i) <= end) {
            if (segments.end(i) == segments.start(i + 1)
                    && segments.count(i) == segments.count(i + 1)) {
                segments.setEnd(i, segments.end(i + 1));
                segments.remove(i + 1);
            } else {
                i++;
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
