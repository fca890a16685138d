package io.vfio4j.host;

import java.util.Arrays;

/**
 * Emptied standard-size block arrays of {@link SortedBlocks}, kept up to a budget of rows so that a
 * table that drains and refills (UNMAP then MAP) does not allocate again. Not thread-safe.
 */
final class SpareBlocks {
    private final int blockLength;
    private final int maxBlocks;
    private long[][] spare = new long[4][];
    private int count;

    /**
     * @param blockLength the length of the arrays kept (a standard block); others are not kept
     * @param maxBlocks how many arrays may be kept at most
     */
    SpareBlocks(int blockLength, int maxBlocks) {
        this.blockLength = blockLength;
        this.maxBlocks = maxBlocks;
    }

    /** A kept array, or a new one of the standard length. */
    long[] take() {
        if (count == 0) {
            return new long[blockLength];
        }
        long[] a = spare[--count];
        spare[count] = null;
        return a;
    }

    /** Keeps {@code old} for reuse if it has the standard length and the budget allows. */
    void offer(long[] old) {
        if (old.length != blockLength || count >= maxBlocks) {
            return;
        }
        if (count == spare.length) {
            spare = Arrays.copyOf(spare, count * 2);
        }
        spare[count++] = old;
    }
}
