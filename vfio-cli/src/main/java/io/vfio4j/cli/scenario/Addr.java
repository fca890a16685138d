package io.vfio4j.cli.scenario;

/**
 * An address as a scenario writes it: a number, or a name (a memory region's start, or the start of
 * a DMA window saved with {@code save_as}) plus or minus offsets: {@code ram+1GiB}, {@code
 * ram+2GiB-1MiB}.
 *
 * @param base the name, or null for an absolute address
 */
public record Addr(String base, long offset) {
    static Addr absolute(long address) {
        return new Addr(null, address);
    }

    @Override
    public String toString() {
        if (base == null) {
            return Sizes.hex(offset);
        }
        if (offset == 0) {
            return base;
        }
        // A negative offset reads as written: ram+2GiB-1MiB is ram+1023MiB, ram-1MiB stays so.
        long magnitude = offset < 0 ? -offset : offset;
        String h = Sizes.human(magnitude);
        return base
                + (offset < 0 ? "-" : "+")
                + (h.contains(".") ? Sizes.hex(magnitude) : h.replace(" ", ""));
    }
}
