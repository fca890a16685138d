package io.vfio4j.host;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of non-negative longs kept as disjoint, coalesced intervals, so marking a 1 TiB range costs
 * one entry. Not thread-safe.
 */
final class IntervalSet {
    /** start -> end (exclusive); intervals never touch (adjacent ones are merged). */
    private final TreeMap<Long, Long> intervals = new TreeMap<>();

    private long size;

    /** Adds {@code [start, start + count)}. */
    void add(long start, long count) {
        long end = start + count;
        long newStart = start;
        long newEnd = end;
        Map.Entry<Long, Long> before = intervals.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            newStart = before.getKey();
        }
        // Absorb every interval that overlaps or touches [newStart, end].
        Map.Entry<Long, Long> e = intervals.ceilingEntry(newStart);
        while (e != null && e.getKey() <= end) {
            newEnd = Math.max(newEnd, e.getValue());
            size -= e.getValue() - e.getKey();
            intervals.remove(e.getKey());
            e = intervals.ceilingEntry(newStart);
        }
        intervals.put(newStart, newEnd);
        size += newEnd - newStart;
    }

    boolean contains(long value) {
        Map.Entry<Long, Long> e = intervals.floorEntry(value);
        return e != null && value < e.getValue();
    }

    /** How many values the set holds. */
    long size() {
        return size;
    }

    /** How many intervals represent the set. */
    int intervalCount() {
        return intervals.size();
    }
}
