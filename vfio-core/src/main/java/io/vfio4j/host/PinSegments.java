package io.vfio4j.host;

/**
 * Disjoint frame segments {@code [start, end) -> count} in ascending order, in a {@link GapBuffer}:
 * three longs a segment and no boxing, and MAP-style runs pinned or unpinned one after another edit
 * one position at a time. {@link PinTable} keeps them maximal. Not thread-safe.
 */
final class PinSegments extends GapBuffer {
    private long[] starts = new long[MIN_CAPACITY];
    private long[] ends = new long[MIN_CAPACITY];
    private long[] counts = new long[MIN_CAPACITY];

    PinSegments() {
        useColumns(starts, ends, counts);
    }

    @Override
    void setColumns(Object[] c) {
        starts = (long[]) c[0];
        ends = (long[]) c[1];
        counts = (long[]) c[2];
    }

    long start(int i) {
        return starts[slot(i)];
    }

    long end(int i) {
        return ends[slot(i)];
    }

    long count(int i) {
        return counts[slot(i)];
    }

    void setStart(int i, long start) {
        starts[slot(i)] = start;
    }

    void setEnd(int i, long end) {
        ends[slot(i)] = end;
    }

    void setCount(int i, long count) {
        counts[slot(i)] = count;
    }

    /** The index of the last segment starting at or below {@code pfn}, or -1. */
    int floor(long pfn) {
        return floor(starts, pfn, false);
    }

    void insert(int at, long start, long end, long count) {
        int s = openSlot(at);
        starts[s] = start;
        ends[s] = end;
        counts[s] = count;
    }
}
