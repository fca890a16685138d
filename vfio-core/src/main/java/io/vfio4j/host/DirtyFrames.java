package io.vfio4j.host;

/**
 * The frames marked dirty by unpins: multi-frame runs as coalesced intervals (marking 1 TiB costs
 * one entry) and single frames as 64-bit words of a sparse bitmap in a primitive hash, so a mark of
 * one frame is O(1) with no allocation however scattered the frames are. Marks are never cleared
 * (frames are never reused). Not thread-safe: {@link SimPhysicalMemory} locks.
 */
final class DirtyFrames {
    private static final int MIN_CAPACITY = 16;

    private final IntervalSet runs = new IntervalSet();

    /** Bitmap words keyed by {@code pfn >>> 6}; a word of 0 marks a free slot. */
    private long[] keys = new long[MIN_CAPACITY];

    private long[] words = new long[MIN_CAPACITY];
    private int size;

    void add(long pfn, long pages) {
        if (pages == 1) {
            mark(pfn);
        } else {
            runs.add(pfn, pages);
        }
    }

    boolean contains(long pfn) {
        return (word(pfn >>> 6) & (1L << pfn)) != 0 || runs.contains(pfn);
    }

    /** Frames marked. O(intervals + bitmap words): for checks and reports. */
    long size() {
        long n = runs.size();
        for (int i = 0; i < words.length; i++) {
            long w = words[i];
            while (w != 0) {
                long pfn = (keys[i] << 6) | Long.numberOfTrailingZeros(w);
                if (!runs.contains(pfn)) {
                    n++;
                }
                w &= w - 1;
            }
        }
        return n;
    }

    private long word(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); words[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return words[i];
            }
        }
        return 0;
    }

    private void mark(long pfn) {
        long key = pfn >>> 6;
        long bit = 1L << pfn;
        int mask = keys.length - 1;
        int i = slot(key, mask);
        for (; words[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                words[i] |= bit;
                return;
            }
        }
        keys[i] = key;
        words[i] = bit;
        if (++size * 2 > keys.length) {
            rehash(keys.length * 2);
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[] oldWords = words;
        keys = new long[capacity];
        words = new long[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldWords.length; j++) {
            if (oldWords[j] != 0) {
                int i = slot(oldKeys[j], mask);
                while (words[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                words[i] = oldWords[j];
            }
        }
    }
}
