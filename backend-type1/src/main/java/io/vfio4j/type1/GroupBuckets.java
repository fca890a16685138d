package io.vfio4j.type1;

/**
 * The hash table under {@link PinGroupTable}: buckets of three longs in one array, keyed by group
 * number ({@code page >> 3}): the key, a base frame, and a word of eight one-byte counts. The
 * project's convention for primitive tables (see {@link PageRefTable}): power-of-two bucket count,
 * Fibonacci hashing, linear probing, growth ×2 above 3/4 full, backward-shift deletion. Its owner
 * reads and writes {@link #table} directly (hot paths); every change of where buckets are bumps
 * {@link #stamp}, so a position found earlier can be trusted only while the stamp is unchanged.
 */
final class GroupBuckets {
    static final int STRIDE = 3;
    static final int BASE = 1;
    static final int COUNTS = 2;

    /** Marks a free bucket: group numbers are {@code page >> 3}, so never this. */
    static final long FREE = Long.MIN_VALUE;

    private static final int MIN_BUCKETS = 4;
    private static final int MAX_BUCKETS = 1 << 29;

    /** Bucket b is {@code table[b * STRIDE .. b * STRIDE + 2]}: key, base, counts. */
    long[] table;

    private int capacity;
    private int shift;
    private int count;
    private int stamp;

    GroupBuckets() {
        reset();
    }

    /** Drops every bucket and shrinks to the first size. */
    void reset() {
        allocate(MIN_BUCKETS);
        count = 0;
        stamp++;
    }

    private void allocate(int buckets) {
        capacity = buckets;
        shift = 64 - Integer.numberOfTrailingZeros(buckets);
        table = new long[buckets * STRIDE];
        for (int b = 0; b < buckets; b++) {
            table[b * STRIDE] = FREE;
        }
    }

    int capacity() {
        return capacity;
    }

    /** Buckets in use. */
    int count() {
        return count;
    }

    /** Changes whenever buckets are added, removed or moved. */
    int stamp() {
        return stamp;
    }

    /** The bucket {@code group}'s probe starts from at the current capacity. */
    int homeOf(long group) {
        return (int) ((group * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** The bucket of {@code group}, or {@code -(free bucket + 1)} where it would go. */
    int find(long group) {
        int mask = capacity - 1;
        int b = homeOf(group);
        while (true) {
            long k = table[b * STRIDE];
            if (k == group) {
                return b;
            }
            if (k == FREE) {
                return -b - 1;
            }
            b = (b + 1) & mask;
        }
    }

    /**
     * Adds a bucket for {@code group} with no page counted, at {@code missing} (a {@link #find}
     * result for it, from this stamp), growing first if needed; returns its index.
     */
    int add(long group, int missing, long base) {
        int b = missing;
        if ((count + 1) * 4L > capacity * 3L) {
            grow();
            b = find(group);
        }
        b = -b - 1;
        table[b * STRIDE] = group;
        table[b * STRIDE + BASE] = base;
        table[b * STRIDE + COUNTS] = 0;
        count++;
        stamp++;
        return b;
    }

    /** Removes bucket {@code b}; backward shift keeps probe chains intact without tombstones. */
    void remove(int b) {
        int mask = capacity - 1;
        int hole = b;
        int i = (b + 1) & mask;
        while (table[i * STRIDE] != FREE) {
            int h = homeOf(table[i * STRIDE]);
            boolean movable = hole <= i ? (h <= hole || h > i) : (h <= hole && h > i);
            if (movable) {
                System.arraycopy(table, i * STRIDE, table, hole * STRIDE, STRIDE);
                hole = i;
            }
            i = (i + 1) & mask;
        }
        table[hole * STRIDE] = FREE;
        count--;
        stamp++;
    }

    private void grow() {
        if (capacity == MAX_BUCKETS) {
            throw new IllegalStateException("pin table cannot hold " + (count + 1) + " groups");
        }
        long[] old = table;
        int oldCapacity = capacity;
        allocate(capacity * 2);
        for (int b = 0; b < oldCapacity; b++) {
            long group = old[b * STRIDE];
            if (group != FREE) {
                int to = -find(group) - 1;
                System.arraycopy(old, b * STRIDE, table, to * STRIDE, STRIDE);
            }
        }
    }

    /** The count of the page at {@code offset} (0..7) in a counts word. */
    static int countAt(long counts, int offset) {
        return (int) (counts >>> (offset << 3)) & 0xFF;
    }

    /** Bit 8k set iff offset k's byte in {@code counts} is nonzero. */
    static long pagesOf(long counts) {
        // Fold each byte onto its bit 0; the shifts carry bits only into lower bytes' upper bits.
        long x = counts | (counts >>> 4);
        x |= x >>> 2;
        x |= x >>> 1;
        return x & 0x0101010101010101L;
    }
}
