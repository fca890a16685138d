package io.vfio4j.host;

/**
 * A set of non-negative longs kept as disjoint, coalesced intervals in a {@link GapBuffer}, so
 * marking a 1 TiB range costs one entry and marking adjacent runs one after the other (an UNMAP
 * walking a mapping) extends an entry in place, with no allocation. Not thread-safe.
 */
final class IntervalSet extends GapBuffer {
    /** Interval starts, ascending; intervals never touch (adjacent ones are merged). */
    private long[] starts = new long[MIN_CAPACITY];

    /** Interval ends (exclusive). */
    private long[] ends = new long[MIN_CAPACITY];

    private long values;

    IntervalSet() {
        useColumns(starts, ends);
    }

    @Override
    void setColumns(Object[] c) {
        starts = (long[]) c[0];
        ends = (long[]) c[1];
    }

    /** Adds {@code [start, start + count)}. */
    void add(long start, long count) {
        long end = start + count;
        int i = floor(start);
        if (i < 0 || ends[slot(i)] < start) {
            // No interval reaches start: merge into the next one if it touches, else insert.
            i++;
            if (i < size() && starts[slot(i)] <= end) {
                int s = slot(i);
                values += starts[s] - start;
                starts[s] = start;
            } else {
                int s = openSlot(i);
                starts[s] = start;
                ends[s] = end;
                values += count;
                return;
            }
        }
        // Interval i now starts at or before start and reaches it: extend it to end, absorbing
        // every later interval that overlaps or touches.
        int s = slot(i);
        if (ends[s] >= end) {
            return;
        }
        long newEnd = end;
        while (i + 1 < size() && starts[slot(i + 1)] <= newEnd) {
            int n = slot(i + 1);
            newEnd = Math.max(newEnd, ends[n]);
            values -= ends[n] - starts[n];
            remove(i + 1);
        }
        s = slot(i);
        values += newEnd - ends[s];
        ends[s] = newEnd;
    }

    boolean contains(long value) {
        int i = floor(value);
        return i >= 0 && value < ends[slot(i)];
    }

    /** How many values the set holds. */
    long count() {
        return values;
    }

    /** How many intervals represent the set. */
    int intervalCount() {
        return size();
    }

    /** The index of the last interval starting at or below {@code value}, or -1. */
    private int floor(long value) {
        return floor(starts, value, false);
    }
}
