package io.vfio4j.replay;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes and addresses as users write them: {@code 4096}, {@code 0x1000}, {@code 4KiB}, {@code 2
 * MiB}.
 */
public final class Sizes {
    private static final Pattern WITH_UNIT =
            Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB|K|M|G|T)", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /**
     * Parses a size or address (unsigned 64-bit).
     *
     * @throws IllegalArgumentException naming the text if it is not one or does not fit in 64 bits
     */
    public static long parse(String text) {
        String t = text.strip().replace("_", "");
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Hex.parse(t);
            }
            if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
                return Long.parseUnsignedLong(t);
            }
            Matcher m = WITH_UNIT.matcher(t);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                int shift =
                        switch (m.group(2).toUpperCase(Locale.ROOT).charAt(0)) {
                            case 'K' -> 10;
                            case 'M' -> 20;
                            case 'G' -> 30;
                            case 'T' -> 40;
                            default -> 0;
                        };
                if (n > (Long.MAX_VALUE >>> shift)) {
                    throw new IllegalArgumentException("'" + text + "' does not fit in 64 bits");
                }
                return n << shift;
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' does not fit in 64 bits", e);
        }
        throw new IllegalArgumentException(
                "'" + text + "' is not a size: use bytes, 0x hex or a unit (4KiB, 2 MiB, 1GiB)");
    }

    /**
     * A human size: {@code 4 KiB}, {@code 640 KiB}, whole numbers when exact, else two decimals
     * ({@code 3.00 GiB} is a little more than 3 GiB); exact below 1 KiB.
     */
    public static String human(long bytes) {
        if (bytes < 0) {
            return Long.toUnsignedString(bytes) + " B";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " B";
        }
        String n =
                v == Math.rint(v)
                        ? String.valueOf((long) v)
                        : String.format(Locale.ROOT, "%.2f", v);
        return n + " " + units[u];
    }
}
