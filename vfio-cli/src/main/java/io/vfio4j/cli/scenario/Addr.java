package io.vfio4j.cli.scenario;

/**
 * An address as a scenario writes it: a number, or a name (a memory region's start, or the start of
 * a DMA window saved with {@code save_as}) plus an optional offset: {@code ram+1GiB}.
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
        String h = Sizes.human(offset);
        return base + "+" + (h.contains(".") ? Sizes.hex(offset) : h.replace(" ", ""));
    }
}
