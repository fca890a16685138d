package io.vfio4j.host;

/**
 * A set of non-negative longs kept as disjoint, coalesced intervals {@code [start, end)} in {@link
 * SortedBlocks}, so marking a 1 TiB range costs one entry, marking adjacent runs one after the
 * other (an UNMAP walking a mapping) extends an entry in place, and a mark anywhere else costs
 * O(log n), with no allocation. Not thread-safe.
 */
final class IntervalSet extends SortedBlocks {
    private static final int START = 0;
    private static final int END = 1;

    private long values;

    IntervalSet() {
        super(2, false);
    }

    /** Adds {@code [start, start + count)}. */
    void add(long start, long count) {
        long end = start + count;
        int i = floor(start);
        if (i < 0 || field(i, END) < start) {
            // No interval reaches start: merge into the next one if it touches, else insert.
            i++;
            if (i < size() && field(i, START) <= end) {
                values += field(i, START) - start;
                setField(i, START, start);
            } else {
                insertRow(i, start, end, 0, 0);
                values += count;
                return;
            }
        }
        // Interval i now starts at or before start and reaches it: extend it to end, absorbing
        // every later interval that overlaps or touches.
        if (field(i, END) >= end) {
            return;
        }
        long newEnd = end;
        while (i + 1 < size() && field(i + 1, START) <= newEnd) {
            long nextEnd = field(i + 1, END);
            newEnd = Math.max(newEnd, nextEnd);
            values -= nextEnd - field(i + 1, START);
            remove(i + 1);
        }
        values += newEnd - field(i, END);
        setField(i, END, newEnd);
    }

    boolean contains(long value) {
        int i = floor(value);
        return i >= 0 && value < field(i, END);
    }

    /**
     * How many values from {@code value} on, at most {@code max}, share its membership: the rest of
     * its interval if it is in the set, else the gap up to the next interval.
     */
    long sameFrom(long value, long max) {
        int i = floor(value);
        if (i >= 0 && value < field(i, END)) {
            return Math.min(max, field(i, END) - value);
        }
        return i + 1 < size() ? Math.min(max, field(i + 1, START) - value) : max;
    }

    /** How many values the set holds. */
    long count() {
        return values;
    }

    /** How many intervals represent the set. */
    int intervalCount() {
        return size();
    }
}
