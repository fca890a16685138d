package io.vfio4j.cli.scenario;

import java.util.Locale;

/**
 * Sizes and addresses as scenario files write them, and as the trace prints them.
 *
 * <p>Accepted: decimal integers ({@code 4096}), hexadecimal with optional underscores ({@code
 * 0x1_0000_0000}), binary units ({@code 4KiB}, {@code 3GiB}, {@code 256 MiB}, {@code 1TiB}), and
 * sums of these ({@code 4GiB+64MiB}). {@code N pages} is accepted where the page size is known.
 */
public final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {}

    /**
     * Parses a size.
     *
     * @param pageSize the host page size for {@code N pages}, or 0 where pages are not allowed
     * @throws IllegalArgumentException with a message that says what is accepted
     */
    public static long parse(String text, long pageSize) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.endsWith("pages") || lower.endsWith("page")) {
            if (pageSize == 0) {
                throw new IllegalArgumentException(
                        "'" + text + "': a page count is not allowed here, give bytes");
            }
            String n = t.substring(0, lower.lastIndexOf("page")).trim();
            if (n.startsWith("-")) {
                throw bad(text);
            }
            return Math.multiplyExact(parseNumber(n, text), pageSize);
        }
        long total = 0;
        for (String term : t.split("\\+", -1)) {
            total = Math.addExact(total, parseTerm(term.trim(), text));
        }
        return total;
    }

    /** Parses a size where page counts are not allowed. */
    public static long parse(String text) {
        return parse(text, 0);
    }

    private static long parseTerm(String term, String whole) {
        if (term.isEmpty()) {
            throw bad(whole);
        }
        String lower = term.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            return parseNumber(term, whole);
        }
        int i = 0;
        while (i < term.length() && (Character.isDigit(term.charAt(i)) || term.charAt(i) == '_')) {
            i++;
        }
        if (i == 0) {
            throw bad(whole);
        }
        long number = parseNumber(term.substring(0, i), whole);
        String unit = term.substring(i).trim();
        if (unit.isEmpty() || unit.equals("B")) {
            return number;
        }
        for (int u = 1; u < UNITS.length; u++) {
            if (UNITS[u].equalsIgnoreCase(unit)) {
                return Math.multiplyExact(number, 1L << (10 * u));
            }
        }
        throw new IllegalArgumentException(
                "'"
                        + whole
                        + "': unknown unit '"
                        + unit
                        + "'; use B, KiB, MiB, GiB, TiB or PiB (binary units)");
    }

    private static long parseNumber(String n, String whole) {
        String s = n.replace("_", "");
        try {
            if (s.toLowerCase(Locale.ROOT).startsWith("0x")) {
                return Long.parseUnsignedLong(s.substring(2), 16);
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad(whole);
        }
    }

    private static IllegalArgumentException bad(String whole) {
        return new IllegalArgumentException(
                "'"
                        + whole
                        + "' is not a size: use an integer (4096), hex (0x1_0000_0000), a unit"
                        + " (4KiB, 3GiB) or a sum (4GiB+64MiB)");
    }

    /**
     * Bytes in the largest binary unit that fits, exact where two terms do: {@code 3 GiB}, {@code 4
     * GiB + 64 MiB}, {@code 512 B}; otherwise rounded: {@code 1.33 GiB}.
     */
    public static String human(long bytes) {
        if (bytes < 0) {
            return Long.toUnsignedString(bytes) + " B";
        }
        int u = 0;
        while (u + 1 < UNITS.length && bytes >= 1L << (10 * (u + 1))) {
            u++;
        }
        if (u == 0) {
            return bytes + " B";
        }
        long unit = 1L << (10 * u);
        if (bytes % unit == 0) {
            return (bytes / unit) + " " + UNITS[u];
        }
        long rest = bytes % unit;
        for (int v = u - 1; v >= 1; v--) {
            long small = 1L << (10 * v);
            if (rest % small == 0 && rest / small < 1024) {
                return (bytes / unit) + " " + UNITS[u] + " + " + (rest / small) + " " + UNITS[v];
            }
        }
        return String.format(Locale.ROOT, "%.2f %s", (double) bytes / unit, UNITS[u]);
    }

    /**
     * Pages as a human size with the exact count: {@code 3 GiB (786,432 pages)}; 0 is {@code 0}.
     */
    public static String pages(long pages, long pageSize) {
        if (pages == 0) {
            return "0";
        }
        if (pages < 0) {
            return Long.toUnsignedString(pages) + " pages (wrapped below zero)";
        }
        return human(pages * pageSize) + " (" + count(pages) + (pages == 1 ? " page)" : " pages)");
    }

    /** A count with thousands separators: {@code 1,048,576}. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** An address in hex: {@code 0x1_0000_0000} style is not used; plain {@code 0x100000000}. */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
