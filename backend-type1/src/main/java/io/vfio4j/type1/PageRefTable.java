package io.vfio4j.type1;

import java.util.Arrays;

/**
 * An open-addressing hash table from a page number (IOVA >> page shift) to a frame number and a
 * reference count, with no object per entry. Used for the references each device holds (pfn unused)
 * and for the external pins of a mapping that fit none of {@link PinGroupTable}'s groups (the
 * kernel's {@code pfn_list}: pfn + ref_count). Not thread-safe: the container lock guards it.
 *
 * <p>The project's one convention for primitive hash tables (vfio-core's {@code LongIntHashMap},
 * the SPAPR {@code LongObjectMap} and the mdev {@code PageRefMap} follow it; each module keeps its
 * own copy, as the backends share only vfio-api with the runtime and these helpers are no part of
 * the SPI): a power-of-two capacity of at least 16, grown ×2 above 3/4 full; Fibonacci hashing
 * (here of aligned groups of 8 pages, see {@link #home}); linear probing; a free slot holds the key
 * {@link #EMPTY}, the one key refused; deletion by backward shift, so no tombstones. Kept over a
 * primitive-collections library (whose maps hold one value column) because this table needs two
 * columns and a lookup that hands back a slot ({@link #find}, {@link #addRefAt}); the figures are
 * in benchmarks/README.md, "Primitive hash tables".
 */
final class PageRefTable {
    /** Marks a free slot; the only key the table refuses (IOVA page numbers never reach 2^63). */
    static final long EMPTY = Long.MIN_VALUE;

    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private long[] pfns;
    private int[] refs;
    private int size;

    /** 64 - log2(capacity / GROUP): {@link #home} keeps the top bits of the product. */
    private int shift;

    /**
     * Pages are hashed by aligned groups of {@code 1 << GROUP_SHIFT} (8 longs: one 64-byte cache
     * line of the key and frame columns): a group's home is a Fibonacci hash of the group number,
     * scaled to a block of 8 slots, and each page's home is its offset in that block. A run of
     * consecutive pages then probes one or two cache lines per column instead of one per page
     * (issue 17: 1 Mi held pages make a table far larger than the cache).
     */
    private static final int GROUP_SHIFT = 3;

    private static final long GROUP_MASK = (1L << GROUP_SHIFT) - 1;

    private long totalRefs;

    PageRefTable() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        shift = 64 - (Integer.numberOfTrailingZeros(capacity) - GROUP_SHIFT);
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        pfns = new long[capacity];
        refs = new int[capacity];
    }

    /** Distinct pages in the table. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The sum of every page's reference count. */
    long totalRefs() {
        return totalRefs;
    }

    /**
     * Fibonacci hashing of the page's group (the top bits of {@code group * 2^64/phi}), which lands
     * consecutive groups almost evenly apart, then the page's offset inside its group's block.
     */
    private int home(long key) {
        int block = (int) (((key >> GROUP_SHIFT) * 0x9E3779B97F4A7C15L) >>> shift);
        return (block << GROUP_SHIFT) | (int) (key & GROUP_MASK);
    }

    private int slotOf(long key) {
        int mask = keys.length - 1;
        int i = home(key);
        while (true) {
            long k = keys[i];
            if (k == EMPTY) {
                return -1; // tested first: looking up EMPTY never matches a free slot
            }
            if (k == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    boolean contains(long page) {
        return slotOf(page) >= 0;
    }

    /** The reference count of {@code page}, 0 if absent. */
    int refs(long page) {
        int s = slotOf(page);
        return s < 0 ? 0 : refs[s];
    }

    /** The frame recorded for {@code page}; only meaningful if it is present. */
    long pfn(long page) {
        int s = slotOf(page);
        if (s < 0) {
            throw new IllegalStateException(
                    "page 0x" + Long.toHexString(page) + " is not in the table");
        }
        return pfns[s];
    }

    /** Adds {@code delta} references to {@code page}, inserting it with {@code pfn} if absent. */
    void add(long page, long pfn, int delta) {
        checkKey(page);
        int mask = keys.length - 1;
        int i = home(page);
        while (true) {
            long k = keys[i];
            if (k == page) {
                refs[i] += delta;
                totalRefs += delta;
                return;
            }
            if (k == EMPTY) {
                break;
            }
            i = (i + 1) & mask;
        }
        if ((size + 1) * 4L > keys.length * 3L) {
            addNew(page, pfn, delta);
            return;
        }
        keys[i] = page;
        pfns[i] = pfn;
        refs[i] = delta;
        size++;
        totalRefs += delta;
    }

    /** Inserts {@code page}, which the caller knows is absent, with {@code delta} references. */
    private void addNew(long page, long pfn, int delta) {
        if ((size + 1) * 4L > keys.length * 3L) {
            rehash(keys.length * 2);
        }
        int mask = keys.length - 1;
        int i = home(page);
        while (keys[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        keys[i] = page;
        pfns[i] = pfn;
        refs[i] = delta;
        size++;
        totalRefs += delta;
    }

    /**
     * One probe for {@code page}: its slot if present, else {@code -(slot + 1)} for the empty slot
     * it would take. A slot stays valid until the table next moves entries (a removal or growth).
     */
    int find(long page) {
        int mask = keys.length - 1;
        int i = home(page);
        while (true) {
            long k = keys[i];
            if (k == EMPTY) {
                return -i - 1; // tested first: looking up EMPTY never matches a free slot
            }
            if (k == page) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    private static void checkKey(long page) {
        if (page == EMPTY) {
            throw new IllegalArgumentException("key " + EMPTY + " marks a free slot");
        }
    }

    /** Adds one reference to the page at {@code slot} (from {@link #find}); returns its frame. */
    long addRefAt(int slot) {
        refs[slot]++;
        totalRefs++;
        return pfns[slot];
    }

    /** Adds every page's references of this table to {@code dst} (pfn column not copied). */
    void addRefsTo(PageRefTable dst) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY && refs[i] > 0) {
                dst.add(keys[i], 0, refs[i]);
            }
        }
    }

    /** {@link #releaseFrame}: the page is not in the table. */
    static final long ABSENT = -1;

    /** {@link #releaseFrame}: the page keeps references. */
    static final long STILL_HELD = -2;

    /**
     * Drops one reference from {@code page} in one probe; removes the entry at zero.
     *
     * @return the page's frame if this dropped its last reference, {@link #STILL_HELD} if
     *     references remain, {@link #ABSENT} if the page was not in the table
     */
    long releaseFrame(long page) {
        int s = slotOf(page);
        if (s < 0) {
            return ABSENT;
        }
        totalRefs--;
        if (--refs[s] > 0) {
            return STILL_HELD;
        }
        long pfn = pfns[s];
        removeSlot(s);
        return pfn;
    }

    /**
     * {@link #releaseFrame} of pages {@code [page0, page0 + n)}: {@code out[i]} gets the result for
     * page {@code page0 + i}; {@code slots} is the caller's scratch (at least {@code n} long). The
     * entries that reach zero are removed last, highest page first: a group's pages sit side by
     * side (see {@link #home}), so each removal after the first finds its right neighbour already
     * free and its backward shift stops at once, where removals in ascending order would each
     * rescan the rest of the cluster.
     */
    void releaseRun(long page0, int n, long[] out, int[] slots) {
        int freed = 0;
        for (int i = 0; i < n; i++) {
            int s = slotOf(page0 + i);
            if (s < 0) {
                out[i] = ABSENT;
                continue;
            }
            totalRefs--;
            if (--refs[s] > 0) {
                out[i] = STILL_HELD;
            } else {
                out[i] = pfns[s];
                slots[i] = s;
                freed++;
            }
        }
        for (int i = n - 1; i >= 0 && freed > 0; i--) {
            if (out[i] >= 0) {
                long page = page0 + i;
                int s = slots[i];
                // A removal shifts only entries after its hole, so the slot usually still holds
                // the page; if a wrapped cluster moved it, find it again.
                removeSlot(keys[s] == page ? s : slotOf(page));
                freed--;
            }
        }
    }

    /**
     * Drops one reference from {@code page}; removes the entry at zero.
     *
     * @return the remaining count, or -1 if the page was absent
     */
    int release(long page) {
        int s = slotOf(page);
        if (s < 0) {
            return -1;
        }
        int left = --refs[s];
        totalRefs--;
        if (left == 0) {
            removeSlot(s);
        }
        return left;
    }

    /**
     * Drops {@code n} references from {@code page} (at most what it has); removes it at zero.
     *
     * @return the remaining count, or -1 if the page was absent
     */
    int drop(long page, int n) {
        int s = slotOf(page);
        if (s < 0) {
            return -1;
        }
        int take = Math.min(n, refs[s]);
        refs[s] -= take;
        totalRefs -= take;
        int left = refs[s];
        if (left == 0) {
            removeSlot(s);
        }
        return left;
    }

    /** Removes {@code page} whatever its count; returns the count it had (0 if absent). */
    int remove(long page) {
        int s = slotOf(page);
        if (s < 0) {
            return 0;
        }
        int had = refs[s];
        totalRefs -= had;
        removeSlot(s);
        return had;
    }

    /** Backward-shift deletion keeps probe chains intact without tombstones. */
    private void removeSlot(int slot) {
        int mask = keys.length - 1;
        int hole = slot;
        int i = (slot + 1) & mask;
        while (keys[i] != EMPTY) {
            int h = home(keys[i]);
            boolean movable = hole <= i ? (h <= hole || h > i) : (h <= hole && h > i);
            if (movable) {
                keys[hole] = keys[i];
                pfns[hole] = pfns[i];
                refs[hole] = refs[i];
                hole = i;
            }
            i = (i + 1) & mask;
        }
        keys[hole] = EMPTY;
        refs[hole] = 0;
        size--;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[] oldPfns = pfns;
        int[] oldRefs = refs;
        allocate(capacity);
        size = 0;
        totalRefs = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                add(oldKeys[i], oldPfns[i], oldRefs[i]);
            }
        }
    }

    /** The pages in ascending order (for range counts, reports and deterministic iteration). */
    long[] sortedPages() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != EMPTY) {
                out[n++] = k;
            }
        }
        sort(out);
        return out;
    }

    /** Sorts page numbers: a radix sort when they are many and span less than 2^32. */
    static void sort(long[] pages) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long k : pages) {
            min = Math.min(min, k);
            max = Math.max(max, k);
        }
        if (pages.length < RADIX_MIN || max - min >= 1L << 32 || max - min < 0) {
            Arrays.sort(pages);
        } else {
            radixSort(pages, min);
        }
    }

    /** Below this many pages a comparison sort is as fast as the radix sort. */
    private static final int RADIX_MIN = 4096;

    /**
     * Sorts {@code a}, whose values lie in {@code [min, min + 2^32)}, with two stable 16-bit
     * counting passes: O(n) where {@link Arrays#sort} of a million pages costs tens of ms (replay
     * sorts the external pins of every mapping).
     */
    private static void radixSort(long[] a, long min) {
        long[] tmp = new long[a.length];
        long[] src = a;
        long[] dst = tmp;
        for (int shift = 0; shift < 32; shift += 16) {
            int[] count = new int[(1 << 16) + 1];
            for (long v : src) {
                count[(int) (((v - min) >>> shift) & 0xFFFF) + 1]++;
            }
            for (int i = 0; i < 1 << 16; i++) {
                count[i + 1] += count[i];
            }
            for (long v : src) {
                dst[count[(int) (((v - min) >>> shift) & 0xFFFF)]++] = v;
            }
            long[] t = src;
            src = dst;
            dst = t;
        }
        // Two passes: the sorted values are back in a.
    }

    void clear() {
        allocate(MIN_CAPACITY);
        size = 0;
        totalRefs = 0;
    }

    /** Counts entries of a sorted page array within [from, to). */
    static int countInRange(long[] sortedPages, long from, long to) {
        int lo = lowerBound(sortedPages, from);
        int hi = lowerBound(sortedPages, to);
        return hi - lo;
    }

    private static int lowerBound(long[] a, long v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
