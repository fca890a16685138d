package io.vfio4j.host;

/**
 * The frames of one {@link FrameBank} marked dirty by unpins: runs up to {@link #BITMAP_RUN} frames
 * in a dense bitmap whose 32 KiB chunks (2^18 frames each) are allocated on first use, so marking
 * scattered pages or small runs is a few word writes however scattered they are; longer runs (huge
 * pages, whole mappings) as coalesced intervals, so marking 1 TiB costs one entry and the interval
 * set stays small. Marks are never cleared (frames are never reused). Not thread-safe: the bank
 * locks.
 *
 * <p>Bitmap marks wait in a short list ({@link #PENDING} runs) and are written a list at a time,
 * and before any query. A scattered mark misses the cache; written at once, the processor had to
 * wait for it before the bank's and the container's locks were released (each release orders the
 * stores before it): one whole miss per unpin. Written together, the list's misses overlap. It
 * matters when other work has evicted the bitmap (a fifth of a random single-page pin and unpin's
 * samples on a busy machine, issue 17); when the bitmap stays in the cache it changes nothing
 * measurable.
 */
final class DirtyFrames {
    private static final int CHUNK_SHIFT = 18;
    private static final int WORDS_PER_CHUNK = 1 << (CHUNK_SHIFT - 6);

    /**
     * Runs up to this long go to the bitmap (at most 65 words). Scattered mid-sized runs in the
     * interval set would make it grow without bound and each insertion move its gap.
     */
    static final long BITMAP_RUN = 4096;

    /** Bitmap marks waiting to be written. */
    static final int PENDING = 64;

    private final long basePfn;
    private final long pages;

    /** Bitmap runs not written yet: first bank-relative frame and length; null until needed. */
    private long[] pendingIndex;

    private int[] pendingCount;
    private int pendingSize;
    private final IntervalSet runs = new IntervalSet();

    /**
     * Bitmap chunks by {@code (pfn - basePfn) >>> CHUNK_SHIFT}; null until the first single mark.
     */
    private long[][] chunks;

    DirtyFrames(long basePfn, long pages) {
        this.basePfn = basePfn;
        this.pages = pages;
    }

    /** Marks {@code [pfn, pfn + count)}, which lies inside the bank. */
    void add(long pfn, long count) {
        if (count <= BITMAP_RUN) {
            if (pendingIndex == null) {
                pendingIndex = new long[PENDING];
                pendingCount = new int[PENDING];
            } else if (pendingSize == PENDING) {
                flush();
            }
            pendingIndex[pendingSize] = pfn - basePfn;
            pendingCount[pendingSize++] = (int) count;
        } else {
            runs.add(pfn, count);
        }
    }

    /** Writes the waiting marks into the bitmap. */
    private void flush() {
        for (int i = 0; i < pendingSize; i++) {
            long index = pendingIndex[i];
            for (long end = index + pendingCount[i]; index < end; ) {
                index = markWithinWord(index, end);
            }
        }
        pendingSize = 0;
    }

    boolean contains(long pfn) {
        flush();
        long index = pfn - basePfn;
        if (index < 0 || index >= pages) {
            return false;
        }
        return bit(index) || runs.contains(pfn);
    }

    /** Frames marked. O(intervals + allocated bitmap words): for checks and reports. */
    long size() {
        flush();
        long n = runs.count();
        if (chunks == null) {
            return n;
        }
        for (int c = 0; c < chunks.length; c++) {
            long[] chunk = chunks[c];
            if (chunk == null) {
                continue;
            }
            for (int i = 0; i < chunk.length; i++) {
                long w = chunk[i];
                while (w != 0) {
                    long index = ((long) c << CHUNK_SHIFT) + ((long) i << 6);
                    if (!runs.contains(basePfn + index + Long.numberOfTrailingZeros(w))) {
                        n++;
                    }
                    w &= w - 1;
                }
            }
        }
        return n;
    }

    private boolean bit(long index) {
        if (chunks == null) {
            return false;
        }
        long[] chunk = chunks[(int) (index >>> CHUNK_SHIFT)];
        return chunk != null && (chunk[wordIn(index)] & (1L << index)) != 0;
    }

    /**
     * Marks frames from {@code index} up to {@code end} or the end of its word; returns where it
     * stopped.
     */
    private long markWithinWord(long index, long end) {
        if (chunks == null) {
            chunks = new long[(int) ((pages + (1L << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT)][];
        }
        int c = (int) (index >>> CHUNK_SHIFT);
        long[] chunk = chunks[c];
        if (chunk == null) {
            chunk = new long[WORDS_PER_CHUNK];
            chunks[c] = chunk;
        }
        long stop = Math.min(end, (index | 63) + 1);
        int n = (int) (stop - index);
        long bits = (n == 64 ? -1L : (1L << n) - 1) << index;
        chunk[wordIn(index)] |= bits;
        return stop;
    }

    private static int wordIn(long index) {
        return (int) (index >>> 6) & (WORDS_PER_CHUNK - 1);
    }
}
