package io.vfio4j.host;

import io.vfio4j.api.host.IovaRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dirty bits of one IOMMU domain's IOPTEs, kept as disjoint runs of whole pages (first IOVA to
 * last byte) so that a write of many pages is one entry, not one per page. Marks are only taken
 * while tracking runs; starting it drops the stale ones. Not thread-safe: the domain guards it.
 */
final class DirtyLog {
    private final long pageMask;
    private final TreeMap<Long, Long> runs = new TreeMap<>(Long::compareUnsigned);
    private boolean tracking;

    DirtyLog(int pageShift) {
        this.pageMask = (1L << pageShift) - 1;
    }

    void setTracking(boolean enable) {
        if (enable && !tracking) {
            runs.clear();
        }
        tracking = enable;
    }

    /** Marks the pages holding [first, last] dirty, if tracking runs. */
    void mark(long first, long last) {
        if (!tracking) {
            return;
        }
        long start = first & ~pageMask;
        long end = last | pageMask;
        Map.Entry<Long, Long> before = runs.floorEntry(start);
        if (before != null && touches(before.getValue(), start)) {
            start = before.getKey();
            end = maxUnsigned(end, before.getValue());
            runs.remove(before.getKey());
        }
        for (Map.Entry<Long, Long> next = runs.ceilingEntry(start);
                next != null && touches(end, next.getKey());
                next = runs.ceilingEntry(start)) {
            end = maxUnsigned(end, next.getValue());
            runs.remove(next.getKey());
        }
        runs.put(start, end);
    }

    /** True if a run ending at {@code end} and one starting at {@code start} overlap or touch. */
    private static boolean touches(long end, long start) {
        return end == -1L || Long.compareUnsigned(end + 1, start) >= 0;
    }

    /** Drops every mark in [first, last] (page-granular: the range is page-aligned here). */
    void clear(long first, long last) {
        List<long[]> keep = new ArrayList<>(2);
        Map.Entry<Long, Long> e = runs.floorEntry(first);
        if (e == null || Long.compareUnsigned(e.getValue(), first) < 0) {
            e = runs.higherEntry(first);
        }
        while (e != null && Long.compareUnsigned(e.getKey(), last) <= 0) {
            long s = e.getKey();
            long t = e.getValue();
            runs.remove(s);
            if (Long.compareUnsigned(s, first) < 0) {
                keep.add(new long[] {s, first - 1});
            }
            if (Long.compareUnsigned(t, last) > 0) {
                keep.add(new long[] {last + 1, t});
            }
            e = runs.higherEntry(s);
        }
        for (long[] k : keep) {
            runs.put(k[0], k[1]);
        }
    }

    /** The marked runs inside [first, last], clipped; cleared unless {@code noClear}. */
    List<IovaRange> read(long first, long last, boolean noClear) {
        if (!tracking) {
            return List.of();
        }
        List<IovaRange> out = new ArrayList<>();
        Map.Entry<Long, Long> e = runs.floorEntry(first);
        if (e == null || Long.compareUnsigned(e.getValue(), first) < 0) {
            e = runs.higherEntry(first);
        }
        while (e != null && Long.compareUnsigned(e.getKey(), last) <= 0) {
            out.add(new IovaRange(maxUnsigned(e.getKey(), first), minUnsigned(e.getValue(), last)));
            e = runs.higherEntry(e.getKey());
        }
        if (!noClear && !out.isEmpty()) {
            clear(first, last);
        }
        return List.copyOf(out);
    }

    private static long maxUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static long minUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
