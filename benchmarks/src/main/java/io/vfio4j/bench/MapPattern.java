package io.vfio4j.bench;

/**
 * The mappings of a MAP+UNMAP benchmark: {@code count} mappings of {@code bytes} each, tiling a
 * guest, MAPped in {@code mapOrder} and UNMAPped in {@code unmapOrder} (indexes of mappings).
 * Shared by {@link RandomOrderBenchmark} and {@link KernelPortBenchmark}, so that both run the same
 * calls.
 */
record MapPattern(int count, long bytes, int[] mapOrder, int[] unmapOrder) {
    /**
     * @param shape {@code count x size}, such as {@code 32768x512k}
     * @param order {@code ascending}, or {@code random}: a fixed-seed shuffle for MAP, another for
     *     UNMAP
     */
    static MapPattern of(String shape, String order) {
        String[] parts = shape.split("x");
        int count = Integer.parseInt(parts[0]);
        long bytes = Sizes.parse(parts[1]);
        if (order.equals("random")) {
            return new MapPattern(
                    count,
                    bytes,
                    RandomOrderBenchmark.permutation(count, 1),
                    RandomOrderBenchmark.permutation(count, 2));
        }
        int[] ascending = RandomOrderBenchmark.identity(count);
        return new MapPattern(count, bytes, ascending, ascending);
    }

    long guestBytes() {
        return count * bytes;
    }
}
