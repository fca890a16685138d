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

    /** {@code 0x}-prefixed lower-case hexadecimal of an unsigned value. */
    static String of(long value) {
        return "0x" + Long.toHexString(value);
    }
}
