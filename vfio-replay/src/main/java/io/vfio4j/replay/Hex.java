package io.vfio4j.replay;

/** Number parsing for trace fields: {@code 0x}-prefixed or bare hexadecimal, unsigned 64-bit. */
final class Hex {
    private Hex() {}

    /**
     * Parses {@code 0x1f}, {@code 1f} or {@code 0} as an unsigned 64-bit value.
     *
     * @throws NumberFormatException if it is not hexadecimal or exceeds 64 bits
     */
    static long parse(String text) {
        String t = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
        if (t.isEmpty() || t.length() > 16) {
            throw new NumberFormatException("not a 64-bit hexadecimal number: " + text);
        }
        return Long.parseUnsignedLong(t, 16);
    }

    /**
     * Parses {@code text[from, to)}, with or without {@code 0x}, as an unsigned 64-bit value,
     * without copying it.
     *
     * @throws NumberFormatException if it is empty, not hexadecimal or exceeds 64 bits
     */
    static long parse(String text, int from, int to) {
        if (to - from > 2 && text.charAt(from) == '0' && (text.charAt(from + 1) | 0x20) == 'x') {
            from += 2;
        }
        if (from >= to || to - from > 16) {
            throw new NumberFormatException("not a 64-bit hexadecimal number");
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0) {
                throw new NumberFormatException("not hexadecimal: " + text.substring(from, to));
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** {@code 0x}-prefixed lower-case hexadecimal of an unsigned value. */
    static String of(long value) {
        return "0x" + Long.toHexString(value);
    }
}
