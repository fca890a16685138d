package io.vfio4j.mdev;

import java.util.ArrayList;
import java.util.List;

/**
 * The page ranges of the pin calls a device made and still holds, as a multiset of inclusive
 * page-number ranges. Unpinning with the same ranges is what iommufd requires (an access pin is an
 * exact-range record per mapping; any other unpin is a WARN that releases nothing,
 * docs/reference/iommufd.md §6 X5, X6); for type1, which drops one reference per page, it changes
 * nothing. Not thread-safe: {@link PinnedPages} guards it.
 */
final class PinCalls {
    /** {first, last} page numbers, one entry per call (or the part of it still held). */
    private final List<long[]> calls = new ArrayList<>();

    void add(long first, long last) {
        calls.add(new long[] {first, last});
    }

    /**
     * Removes [first, last] from one call that contains it whole, keeping the call's other parts.
     * The call chosen is, in order of preference: one whose part inside [boundFirst, boundLast]
     * (the mapping that holds the range) is exactly the range, as a backend with per-mapping pin
     * records sees it; one equal to the range; the shortest that contains it.
     *
     * @return true if a call contained it
     */
    boolean removeExact(long first, long last, long boundFirst, long boundLast) {
        int best = -1;
        int bestRank = Integer.MAX_VALUE;
        long bestLength = Long.MAX_VALUE;
        for (int i = 0; i < calls.size(); i++) {
            long[] c = calls.get(i);
            if (c[0] > first || last > c[1]) {
                continue;
            }
            int rank;
            if (Math.max(c[0], boundFirst) == first && Math.min(c[1], boundLast) == last) {
                rank = 0;
            } else if (c[0] == first && c[1] == last) {
                rank = 1;
            } else {
                rank = 2;
            }
            long length = c[1] - c[0];
            if (rank < bestRank || (rank == bestRank && length < bestLength)) {
                best = i;
                bestRank = rank;
                bestLength = length;
            }
        }
        if (best < 0) {
            return false;
        }
        long[] c = calls.remove(best);
        keepOutside(c, first, last);
        return true;
    }

    /**
     * Takes out every part of a call inside [first, last], leaving the parts outside.
     *
     * @return the parts taken, {first, last} each, one per call part
     */
    List<long[]> takeWithin(long first, long last) {
        List<long[]> taken = new ArrayList<>();
        List<long[]> kept = new ArrayList<>();
        for (long[] c : calls) {
            if (c[1] < first || c[0] > last) {
                kept.add(c);
                continue;
            }
            taken.add(new long[] {Math.max(c[0], first), Math.min(c[1], last)});
            if (c[0] < first) {
                kept.add(new long[] {c[0], first - 1});
            }
            if (c[1] > last) {
                kept.add(new long[] {last + 1, c[1]});
            }
        }
        calls.clear();
        calls.addAll(kept);
        return taken;
    }

    /** Drops the calls with a page the device no longer holds (after a per-page release). */
    void prune(java.util.function.LongPredicate held) {
        calls.removeIf(
                c -> {
                    for (long p = c[0]; p <= c[1]; p++) {
                        if (!held.test(p)) {
                            return true;
                        }
                    }
                    return false;
                });
    }

    private void keepOutside(long[] c, long first, long last) {
        if (c[0] < first) {
            calls.add(new long[] {c[0], first - 1});
        }
        if (c[1] > last) {
            calls.add(new long[] {last + 1, c[1]});
        }
    }
}
