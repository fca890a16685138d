package io.vfio4j.host;

/**
 * Disjoint frame segments {@code [start, end) -> count} in ascending order, in {@link
 * SortedBlocks}: three longs a segment and no boxing; runs pinned or unpinned in frame order edit
 * one position at a time in O(1), and in any other order in O(log n). {@link PinTable} keeps them
 * maximal. Not thread-safe.
 */
final class PinSegments extends SortedBlocks {
    private static final int START = 0;
    private static final int END = 1;
    private static final int COUNT = 2;

    PinSegments() {
        super(3, false);
    }

    long start(int i) {
        return field(i, START);
    }

    long end(int i) {
        return field(i, END);
    }

    long count(int i) {
        return field(i, COUNT);
    }

    void setStart(int i, long start) {
        setField(i, START, start);
    }

    void setEnd(int i, long end) {
        setField(i, END, end);
    }

    void setCount(int i, long count) {
        setField(i, COUNT, count);
    }

    void insert(int at, long start, long end, long count) {
        insertRow(at, start, end, count, 0);
    }
}
