package io.vfio4j.plan;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * Sizes as libvirt writes them (a number and a unit attribute) and as the command line takes them.
 */
public final class Sizes {
    private Sizes() {}

    /**
     * The byte multiplier of a libvirt unit ({@code virScaleInteger}): {@code b}/{@code bytes} 1,
     * {@code KB} 1000, {@code k}/{@code KiB} 1024, likewise M, G, T, P, E; case does not matter.
     * Empty means {@code defaultScale}.
     */
    static OptionalLong scale(String unit, long defaultScale) {
        if (unit == null || unit.isEmpty()) {
            return OptionalLong.of(defaultScale);
        }
        String u = unit.toLowerCase(Locale.ROOT);
        if (u.equals("b") || u.equals("byte") || u.equals("bytes")) {
            return OptionalLong.of(1);
        }
        long base;
        if (u.length() == 1 || u.substring(1).equals("ib")) {
            base = 1024;
        } else if (u.substring(1).equals("b")) {
            base = 1000;
        } else {
            return OptionalLong.empty();
        }
        int power = "kmgtpe".indexOf(u.charAt(0)) + 1;
        if (power == 0) {
            return OptionalLong.empty();
        }
        long s = 1;
        for (int i = 0; i < power; i++) {
            s = Math.multiplyExact(s, base);
        }
        return OptionalLong.of(s);
    }

    /**
     * A memory size element in KiB, rounded up to whole KiB as libvirt does ({@code
     * virDomainParseMemory}); the default unit is KiB.
     */
    static long kib(XmlElement e) {
        String text = e.text().trim();
        String unit = e.attr("unit").orElse("");
        OptionalLong scale = scale(unit, 1024);
        if (scale.isEmpty()) {
            throw PlanInputException.at(e, "<" + e.name() + "> has an unknown unit '" + unit + "'");
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException ex) {
            throw PlanInputException.at(
                    e,
                    "<"
                            + e.name()
                            + "> is not a whole number of "
                            + unitName(unit)
                            + ": '"
                            + text
                            + "'");
        }
        if (value < 0) {
            throw PlanInputException.at(e, "<" + e.name() + "> is negative: " + value);
        }
        try {
            long bytes = Math.multiplyExact(value, scale.getAsLong());
            return (bytes + 1023) / 1024;
        } catch (ArithmeticException ex) {
            throw PlanInputException.at(e, "<" + e.name() + "> is too large: " + text + " " + unit);
        }
    }

    /** A {@code <page size='...' unit='...'/>} element in KiB. */
    static long pageKiB(XmlElement page) {
        String size =
                page.attr("size")
                        .orElseThrow(
                                () -> PlanInputException.at(page, "<page> has no size attribute"));
        return kib(
                new XmlElement(
                        "",
                        "page",
                        page.attr("unit")
                                .map(u -> java.util.Map.of("unit", u))
                                .orElse(java.util.Map.of()),
                        java.util.List.of(),
                        size,
                        page.file(),
                        page.line(),
                        page.column()));
    }

    private static String unitName(String unit) {
        return unit.isEmpty() ? "KiB" : unit;
    }

    /**
     * A command-line size: a number with an optional unit ({@code 512MiB}, {@code 2G}, {@code 4096}
     * bytes); the units are libvirt's.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    public static long parseBytes(String s) {
        String t = s.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("not a size: '" + s + "' (e.g. 512MiB, 2GiB)");
        }
        OptionalLong scale = scale(t.substring(i).trim(), 1);
        if (scale.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown unit in '" + s + "' (b, KiB, MiB, GiB, TiB)");
        }
        try {
            return Math.multiplyExact(Long.parseLong(t.substring(0, i)), scale.getAsLong());
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + s + "'");
        }
    }

    /**
     * Bytes for people: the largest binary unit that gives a whole number below 10,000 (4101 MiB),
     * else two decimals of the largest unit that fits.
     */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        if (bytes == 0) {
            return "0 B";
        }
        for (int u = units.length - 1; u >= 0; u--) {
            long unit = 1L << (10 * u);
            if (bytes % unit == 0 && Math.abs(bytes / unit) < 10_000) {
                return (bytes / unit) + " " + units[u];
            }
        }
        int u = 0;
        double v = bytes;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }

    static long roundUp(long value, long align) {
        return (value + align - 1) / align * align;
    }
}
