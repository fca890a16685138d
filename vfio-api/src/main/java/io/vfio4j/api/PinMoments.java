package io.vfio4j.api;

import java.util.Locale;

/**
 * Running totals of a multiset of frame pins that change in O(1) per pinned or unpinned run: the
 * number of pins and the first two moments of the pinned frame numbers (sums of {@code pfn} and
 * {@code pfn * pfn}, each pin counted, wrapping modulo 2^64). Equal totals mean equal pins unless
 * the two differ by a change that keeps all three sums, which no missing, extra or misplaced run
 * does. A mutable accumulator: not thread-safe, guard it with the owner's lock.
 */
public final class PinMoments {
    private long pins;
    private long pfnSum;
    private long pfnSquareSum;

    /**
     * Adds {@code pins} pins (negative to remove) to each of {@code pages} frames from {@code pfn}.
     */
    public void add(long pfn, long pages, long pins) {
        if (pages == 1) {
            // A single frame, the usual mdev pin: no series, none of the general form's divisions.
            this.pins += pins;
            this.pfnSum += pfn * pins;
            this.pfnSquareSum += pfn * pfn * pins;
            return;
        }
        long n = pages;
        // sum_{k<n} k = n(n-1)/2 and sum_{k<n} k^2 = (n-1)n(2n-1)/6, divided exactly before the
        // wrapping products.
        long a = n - 1;
        long b = n;
        long c = 2 * n - 1;
        long t1 = (b % 2 == 0) ? (b / 2) * a : b * (a / 2);
        if (a % 2 == 0) {
            a /= 2;
        } else {
            b /= 2;
        }
        if (a % 3 == 0) {
            a /= 3;
        } else if (b % 3 == 0) {
            b /= 3;
        } else {
            c /= 3;
        }
        long t2 = a * b * c;
        long s1 = n * pfn + t1;
        long s2 = n * pfn * pfn + 2 * pfn * t1 + t2;
        this.pins += n * pins;
        this.pfnSum += s1 * pins;
        this.pfnSquareSum += s2 * pins;
    }

    /** Adds every pin of {@code other}. */
    public void add(PinMoments other) {
        pins += other.pins;
        pfnSum += other.pfnSum;
        pfnSquareSum += other.pfnSquareSum;
    }

    /** The number of pins (a frame pinned twice counts twice). */
    public long pins() {
        return pins;
    }

    public long pfnSum() {
        return pfnSum;
    }

    public long pfnSquareSum() {
        return pfnSquareSum;
    }

    /** True if both hold the same totals. */
    public boolean sameAs(PinMoments other) {
        return pins == other.pins && pfnSum == other.pfnSum && pfnSquareSum == other.pfnSquareSum;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "%d pins (pfn sum 0x%x, square sum 0x%x)", pins, pfnSum, pfnSquareSum);
    }
}
