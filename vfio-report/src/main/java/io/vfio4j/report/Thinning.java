package io.vfio4j.report;

/**
 * Chooses which points of a long step series to draw. The series is cut into buckets; each keeps
 * its highest and lowest point, in order, and its last (the level carried into the next bucket), so
 * peaks and troughs survive and a million-call run draws as a few thousand points.
 */
final class Thinning {
    private Thinning() {}

    static int[] keep(long[] y, int maxPoints) {
        int n = y.length;
        if (n <= maxPoints) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int buckets = Math.max(1, maxPoints / 3);
        int[] out = new int[buckets * 3 + 1];
        int count = 0;
        out[count++] = 0;
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) n * b / buckets);
            int to = (int) ((long) n * (b + 1) / buckets);
            if (from >= to) {
                continue;
            }
            int lo = from;
            int hi = from;
            for (int i = from; i < to; i++) {
                if (y[i] < y[lo]) {
                    lo = i;
                }
                if (y[i] > y[hi]) {
                    hi = i;
                }
            }
            int a = Math.min(lo, hi);
            int c = Math.max(lo, hi);
            for (int i : new int[] {a, c, to - 1}) {
                if (i > out[count - 1]) {
                    out[count++] = i;
                }
            }
        }
        return java.util.Arrays.copyOf(out, count);
    }
}
