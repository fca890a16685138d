package io.vfio4j.report;

import java.util.Locale;

/**
 * What a chart's values count, so that axis ticks fall on round numbers of that quantity and read
 * as people say them: bytes and pages on binary boundaries (KiB, MiB, GiB), plain counts on 1-2-5
 * decimal steps.
 */
public final class Unit {
    /** Plain numbers (calls, steps, mappings). */
    public static final Unit COUNT = new Unit(0);

    /** Bytes. */
    public static final Unit BYTES = new Unit(1);

    /** Pages of 4 KiB, labelled by the memory they hold. */
    public static final Unit PAGES_4K = new Unit(4096);

    private final long bytesPerValue;

    private Unit(long bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /** Pages of the given size (a power of two), labelled by the memory they hold. */
    public static Unit pages(long pageSize) {
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
        }
        return pageSize == 4096 ? PAGES_4K : new Unit(pageSize);
    }

    /** The label of one axis tick or value. */
    public String label(long value) {
        if (bytesPerValue == 0) {
            return String.format(Locale.ROOT, "%,d", value);
        }
        return bytes(value, bytesPerValue);
    }

    /** A round step between ticks so that {@code max} spans at most {@code maxTicks} steps. */
    long step(long max, int maxTicks) {
        long span = Math.max(1, max);
        if (bytesPerValue == 0) {
            long step = 1;
            while (true) {
                for (long m : new long[] {1, 2, 5}) {
                    if (step * m * maxTicks >= span) {
                        return step * m;
                    }
                }
                if (step > Long.MAX_VALUE / 100) {
                    return step * 10;
                }
                step *= 10;
            }
        }
        // Binary steps of the unit's bytes, so labels are whole KiB/MiB/GiB.
        long step = 1;
        while (step * maxTicks < span && step < (1L << 61)) {
            step <<= 1;
        }
        return step;
    }

    static String bytes(long value, long bytesPerValue) {
        double bytes = (double) value * bytesPerValue;
        String[] names = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int i = 0;
        double v = Math.abs(bytes);
        while (v >= 1024 && i < names.length - 1) {
            v /= 1024;
            i++;
        }
        double shown = Math.signum(bytes) * v;
        String number =
                shown == Math.rint(shown)
                        ? String.format(Locale.ROOT, "%d", (long) shown)
                        : String.format(Locale.ROOT, "%.2f", shown)
                                .replaceAll("0+$", "")
                                .replaceAll("\\.$", "");
        return number + " " + names[i];
    }
}
