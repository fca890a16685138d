package io.vfio4j.type1;

import static io.vfio4j.type1.GroupBuckets.BASE;
import static io.vfio4j.type1.GroupBuckets.COUNTS;
import static io.vfio4j.type1.GroupBuckets.FREE;
import static io.vfio4j.type1.GroupBuckets.STRIDE;
import static io.vfio4j.type1.GroupBuckets.countAt;
import static io.vfio4j.type1.GroupBuckets.pagesOf;

/**
 * The external pins of one mapping (the kernel's {@code pfn_list}: a frame and a reference count
 * per pinned IOVA page), kept by aligned groups of 8 pages. A group is one bucket of three longs in
 * one array: the group number ({@code page >> 3}), the frame of its offset 0 (a base), and the 8
 * pages' counts, one byte each (0: not pinned). A page is pinned at {@code base + offset}, which is
 * what a pin of contiguous guest memory produces; a page whose frame does not fit its group's base,
 * or whose count passes 255, is kept per page in an overflow {@link PageRefTable} instead, so every
 * page still has its own frame and any count. A page is in at most one of the two. When most new
 * pages of a mapping do not follow their group's base (memory fragmented page by page), every page
 * moves to the overflow table for good and the buckets are no longer looked at ({@link
 * #perPage()}).
 *
 * <p>Why (issue 17): per-page slots of 20 bytes made 1 Mi held pages a 40 MiB table, and a 16-page
 * pin or unpin touched about seven cache lines of it; here such a run touches two or three buckets
 * of 24 bytes, and the same pins fit in a tenth of the space. The buckets are a {@link
 * GroupBuckets}. Not thread-safe: the container lock guards it.
 */
final class PinGroupTable {
    /** {@link #releaseRun}: the page was not pinned. */
    static final long ABSENT = PageRefTable.ABSENT;

    /** {@link #releaseRun}: the page keeps references. */
    static final long STILL_HELD = PageRefTable.STILL_HELD;

    private static final int GROUP_SHIFT = 3;
    private static final int GROUP = 1 << GROUP_SHIFT;

    /** The largest count a group's byte holds; the next reference moves the page to overflow. */
    static final int MAX_IN_GROUP = 255;

    private final GroupBuckets buckets = new GroupBuckets();

    /** Pages and references counted in the buckets (the overflow table counts its own). */
    private int groupPages;

    private long groupRefs;

    /** Pages that fit no bucket; null until one does not. */
    private PageRefTable overflow;

    /*
     * The group {@link #addRef} last found no bucket for, and where its bucket would go, while the
     * buckets keep that stamp: a pin of new pages looks its first group up once, not twice.
     */
    private long missGroup = FREE;

    private int missAt;
    private int missStamp;

    /*
     * Per-page mode: most new pages of this mapping did not follow their group's base (memory
     * fragmented page by page), so the buckets would only add a lookup to every page. Every page
     * then lives in the overflow table, as before groups existed. Sticky: the memory behind a
     * mapping keeps its layout.
     */
    private boolean perPage;

    private long groupInserts;
    private long oddInserts;

    /** New pages before the layout is judged, and the odd share that makes it per page. */
    static final int JUDGE_AFTER = 256;

    static final int ODD_PER_GROUPED = 4;

    /** Scratch for the overflow table's run release (the container lock guards it). */
    private int[] slots = new int[0];

    /** Distinct pinned pages. */
    int size() {
        return groupPages + (overflow == null ? 0 : overflow.size());
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** The sum of every page's reference count. */
    long totalRefs() {
        return groupRefs + (overflow == null ? 0 : overflow.totalRefs());
    }

    /** Pages kept per page in the overflow table (for tests and footprint reasoning). */
    int overflowPages() {
        return overflow == null ? 0 : overflow.size();
    }

    private boolean overflowHas(long page) {
        return overflow != null && overflow.size() > 0 && overflow.contains(page);
    }

    /** The reference count of {@code page}, 0 if it is not pinned. */
    int refs(long page) {
        if (perPage) {
            return overflow.refs(page);
        }
        int b = buckets.find(page >> GROUP_SHIFT);
        if (b >= 0) {
            int c = countAt(buckets.table[b * STRIDE + COUNTS], (int) (page & (GROUP - 1)));
            if (c > 0) {
                return c;
            }
        }
        return overflow == null ? 0 : overflow.refs(page);
    }

    boolean contains(long page) {
        return refs(page) > 0;
    }

    /** The frame {@code page} is pinned at; the page must be pinned. */
    long pfn(long page) {
        if (perPage) {
            return overflow.pfn(page);
        }
        int off = (int) (page & (GROUP - 1));
        int b = buckets.find(page >> GROUP_SHIFT);
        if (b >= 0 && countAt(buckets.table[b * STRIDE + COUNTS], off) > 0) {
            return buckets.table[b * STRIDE + BASE] + off;
        }
        if (overflowHas(page)) {
            return overflow.pfn(page);
        }
        throw new IllegalStateException("page 0x" + Long.toHexString(page) + " is not pinned");
    }

    /**
     * Adds one reference to {@code page} if it is pinned.
     *
     * @return its frame, or {@link #ABSENT} (nothing changed) if it is not pinned
     */
    long addRef(long page) {
        if (perPage) {
            int s = overflow.find(page);
            return s >= 0 ? overflow.addRefAt(s) : ABSENT;
        }
        int off = (int) (page & (GROUP - 1));
        long group = page >> GROUP_SHIFT;
        int b = buckets.find(group);
        if (b < 0) {
            missGroup = group;
            missAt = b;
            missStamp = buckets.stamp();
        } else {
            long[] t = buckets.table;
            int i = b * STRIDE;
            long counts = t[i + COUNTS];
            int sh = off << 3;
            int c = (int) (counts >>> sh) & 0xFF;
            if (c > 0) {
                long pfn = t[i + BASE] + off;
                if (c < MAX_IN_GROUP) {
                    t[i + COUNTS] = counts + (1L << sh);
                    groupRefs++;
                } else {
                    // A count past one byte: the page goes on per page, with its frame.
                    store(b, counts & ~(0xFFL << sh), c);
                    overflow().add(page, pfn, c + 1);
                }
                return pfn;
            }
        }
        if (overflow != null && overflow.size() > 0) {
            int s = overflow.find(page);
            if (s >= 0) {
                return overflow.addRefAt(s);
            }
        }
        return ABSENT;
    }

    /**
     * How many pages from {@code page} on (at most {@code max}) are not pinned: the run a pin call
     * must pin anew.
     */
    int absentRun(long page, int max) {
        int n = 0;
        if (perPage) {
            while (n < max && !overflow.contains(page + n)) {
                n++;
            }
            return n;
        }
        while (n < max) {
            long p = page + n;
            int off = (int) (p & (GROUP - 1));
            int inGroup = Math.min(max - n, GROUP - off);
            int b = buckets.find(p >> GROUP_SHIFT);
            long counts = b >= 0 ? buckets.table[b * STRIDE + COUNTS] : 0;
            for (int x = 0; x < inGroup; x++) {
                if (countAt(counts, off + x) != 0 || overflowHas(p + x)) {
                    return n + x;
                }
            }
            n += inGroup;
        }
        return n;
    }

    /**
     * Records pages {@code [page, page + n)}, none of them pinned, as pinned at frames {@code
     * [pfn0, pfn0 + n)} with one reference each.
     */
    void insertRun(long page, int n, long pfn0) {
        if (perPage) {
            for (int j = 0; j < n; j++) {
                overflow.add(page + j, pfn0 + j, 1);
            }
            return;
        }
        int j = 0;
        while (j < n) {
            long p = page + j;
            long group = p >> GROUP_SHIFT;
            int off = (int) (p & (GROUP - 1));
            int inGroup = Math.min(n - j, GROUP - off);
            int b =
                    group == missGroup && missStamp == buckets.stamp()
                            ? missAt
                            : buckets.find(group);
            if (b < 0) {
                b = buckets.add(group, b, pfn0 + j - off);
            }
            long[] t = buckets.table;
            int i = b * STRIDE;
            long base = t[i + BASE];
            long counts = t[i + COUNTS];
            for (int x = 0; x < inGroup; x++) {
                long pfn = pfn0 + j + x;
                if (pfn == base + off + x) {
                    counts |= 1L << ((off + x) << 3);
                    groupPages++;
                    groupRefs++;
                    groupInserts++;
                } else {
                    overflow().add(p + x, pfn, 1);
                    oddInserts++;
                }
            }
            t[i + COUNTS] = counts;
            j += inGroup;
        }
        if (oddInserts >= JUDGE_AFTER && oddInserts > ODD_PER_GROUPED * groupInserts) {
            toPerPage();
        }
    }

    /** Moves every page of the buckets to the overflow table and stops using buckets. */
    private void toPerPage() {
        PageRefTable o = overflow();
        for (int b = 0; b < buckets.capacity(); b++) {
            long group = buckets.table[b * STRIDE];
            if (group != FREE) {
                long base = buckets.table[b * STRIDE + BASE];
                long counts = buckets.table[b * STRIDE + COUNTS];
                for (long m = pagesOf(counts); m != 0; m &= m - 1) {
                    int off = Long.numberOfTrailingZeros(m) >>> 3;
                    o.add((group << GROUP_SHIFT) | off, base + off, countAt(counts, off));
                }
            }
        }
        buckets.reset();
        groupPages = 0;
        groupRefs = 0;
        perPage = true;
    }

    /** Whether every page is kept per page (for tests and footprint reasoning). */
    boolean perPage() {
        return perPage;
    }

    /**
     * Drops one reference from each page of {@code [page0, page0 + n)}: {@code out[i]} gets the
     * frame of page {@code page0 + i} if that was its last reference (the page is forgotten), else
     * {@link #STILL_HELD}, or {@link #ABSENT} if it was not pinned. One bucket lookup per group.
     */
    void releaseRun(long page0, int n, long[] out) {
        if (perPage) {
            if (slots.length < n) {
                slots = new int[n];
            }
            overflow.releaseRun(page0, n, out, slots);
            return;
        }
        int j = 0;
        while (j < n) {
            long p = page0 + j;
            int off = (int) (p & (GROUP - 1));
            int inGroup = Math.min(n - j, GROUP - off);
            int b = buckets.find(p >> GROUP_SHIFT);
            if (b < 0) {
                for (int x = 0; x < inGroup; x++) {
                    out[j + x] = releaseOverflow(p + x);
                }
                j += inGroup;
                continue;
            }
            long[] t = buckets.table;
            int i = b * STRIDE;
            long base = t[i + BASE];
            long counts = t[i + COUNTS];
            for (int x = 0; x < inGroup; x++) {
                int sh = (off + x) << 3;
                int c = (int) (counts >>> sh) & 0xFF;
                if (c == 0) {
                    out[j + x] = releaseOverflow(p + x);
                    continue;
                }
                counts -= 1L << sh;
                groupRefs--;
                if (c == 1) {
                    out[j + x] = base + off + x;
                    groupPages--;
                } else {
                    out[j + x] = STILL_HELD;
                }
            }
            if (counts == 0) {
                buckets.remove(b);
            } else {
                t[i + COUNTS] = counts;
            }
            j += inGroup;
        }
    }

    private long releaseOverflow(long page) {
        return overflow == null || overflow.size() == 0 ? ABSENT : overflow.releaseFrame(page);
    }

    /**
     * Drops {@code n} references from {@code page} (at most what it has); forgets it at zero.
     *
     * @return the remaining count, or -1 if the page was not pinned
     */
    int drop(long page, int n) {
        if (perPage) {
            return overflow.drop(page, n);
        }
        int off = (int) (page & (GROUP - 1));
        int b = buckets.find(page >> GROUP_SHIFT);
        if (b >= 0) {
            long counts = buckets.table[b * STRIDE + COUNTS];
            int sh = off << 3;
            int c = (int) (counts >>> sh) & 0xFF;
            if (c > 0) {
                int take = Math.min(n, c);
                store(b, counts - ((long) take << sh), take);
                return c - take;
            }
        }
        return overflow == null ? -1 : overflow.drop(page, n);
    }

    /**
     * Stores {@code counts} in bucket {@code b} after {@code refs} references left it, dropping the
     * bucket when no page is left in it, and counts the pages that left.
     */
    private void store(int b, long counts, int refs) {
        long before = buckets.table[b * STRIDE + COUNTS];
        groupPages -= Long.bitCount(pagesOf(before)) - Long.bitCount(pagesOf(counts));
        groupRefs -= refs;
        if (counts == 0) {
            buckets.remove(b);
        } else {
            buckets.table[b * STRIDE + COUNTS] = counts;
        }
    }

    private PageRefTable overflow() {
        if (overflow == null) {
            overflow = new PageRefTable();
        }
        return overflow;
    }

    /** Adds every page's references to {@code dst} (frames not copied). */
    void addRefsTo(PageRefTable dst) {
        for (int b = 0; b < buckets.capacity(); b++) {
            long group = buckets.table[b * STRIDE];
            if (group != FREE) {
                long counts = buckets.table[b * STRIDE + COUNTS];
                for (long m = pagesOf(counts); m != 0; m &= m - 1) {
                    int off = Long.numberOfTrailingZeros(m) >>> 3;
                    dst.add((group << GROUP_SHIFT) | off, 0, countAt(counts, off));
                }
            }
        }
        if (overflow != null) {
            overflow.addRefsTo(dst);
        }
    }

    /** The pinned pages in ascending order (for range counts, audits and reports). */
    long[] sortedPages() {
        long[] out = new long[size()];
        int n = 0;
        for (int b = 0; b < buckets.capacity(); b++) {
            long group = buckets.table[b * STRIDE];
            if (group != FREE) {
                // Only the pages present (one, for scattered single-page pins).
                for (long m = pagesOf(buckets.table[b * STRIDE + COUNTS]); m != 0; m &= m - 1) {
                    out[n++] = (group << GROUP_SHIFT) | (Long.numberOfTrailingZeros(m) >>> 3);
                }
            }
        }
        if (overflow != null) {
            long[] more = overflow.sortedPages();
            System.arraycopy(more, 0, out, n, more.length);
            n += more.length;
        }
        PageRefTable.sort(out);
        return out;
    }

    /** The bucket {@code group}'s probe starts from at the current capacity (for tests). */
    int homeOf(long group) {
        return buckets.homeOf(group);
    }

    /** Buckets in use (for tests). */
    int buckets() {
        return buckets.count();
    }

    /** Bucket capacity (for tests and footprint reasoning). */
    int capacity() {
        return buckets.capacity();
    }
}
