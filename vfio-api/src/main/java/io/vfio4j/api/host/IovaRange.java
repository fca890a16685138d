package io.vfio4j.api.host;

/**
 * An inclusive range of I/O virtual addresses, compared as unsigned 64-bit values.
 *
 * @param start first address
 * @param end last address (inclusive), not below {@code start}
 */
public record IovaRange(long start, long end) {
    public IovaRange {
        if (Long.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException(
                    "range end 0x"
                            + Long.toHexString(end)
                            + " is below its start 0x"
                            + Long.toHexString(start));
        }
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) <= 0;
    }

    public boolean contains(IovaRange other) {
        return contains(other.start) && contains(other.end);
    }

    public boolean overlaps(IovaRange other) {
        return Long.compareUnsigned(start, other.end) <= 0
                && Long.compareUnsigned(other.start, end) <= 0;
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + "]";
    }
}
