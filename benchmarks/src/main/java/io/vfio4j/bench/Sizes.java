package io.vfio4j.bench;

import java.util.Locale;

/** Size parameters such as {@code 4g} or {@code 1t}. */
final class Sizes {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long GIB = 1024 * MIB;
    static final long TIB = 1024 * GIB;

    private Sizes() {}

    static long parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long unit =
                switch (t.charAt(t.length() - 1)) {
                    case 'k' -> KIB;
                    case 'm' -> MIB;
                    case 'g' -> GIB;
                    case 't' -> TIB;
                    default -> 1;
                };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        return Long.parseLong(digits) * unit;
    }
}
