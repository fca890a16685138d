package io.vfio4j.replay;

/**
 * The events that describe QEMU's view of device regions without issuing an ioctl: BAR mmaps
 * ({@code vfio_region_mmap}) and skipped sections ({@code region_add_skip}). {@link BlockInference}
 * reads them to tell device memory from RAM.
 */
final class RegionEvents {
    private RegionEvents() {}

    /** {@code Region <name> [0x<offset> - 0x<end>]} (hw/vfio/trace-events, QEMU 2.x to 10.x). */
    static TraceEvent barMmap(long lineNo, String name, String args) {
        int open = args.lastIndexOf('[');
        int dash = args.indexOf(" - ", open + 1);
        int close = args.indexOf(']', dash + 1);
        if (!args.startsWith("Region ") || open < 0 || dash < 0 || close < 0) {
            return new TraceEvent.Informational(lineNo, name);
        }
        try {
            long start = hexValue(args.substring(open + 1, dash).trim());
            long end = hexValue(args.substring(dash + 3, close).trim());
            if (Long.compareUnsigned(end, start) < 0 || end - start == -1L) {
                return new TraceEvent.Informational(lineNo, name);
            }
            return new TraceEvent.BarMmap(
                    lineNo, args.substring("Region ".length(), open).trim(), end - start + 1);
        } catch (NumberFormatException e) {
            return new TraceEvent.Informational(lineNo, name);
        }
    }

    /**
     * {@code SKIPPING region_add 0x<start> - 0x<end>} (hw/vfio/trace-events; QEMU 2.x names it
     * vfio_listener_region_skip, also for region_del, which explains no hole and stays
     * informational).
     */
    static TraceEvent skippedSection(long lineNo, String name, String args) {
        String head = "SKIPPING region_add ";
        int dash = args.indexOf(" - ");
        if (!args.startsWith(head) || dash < 0) {
            return new TraceEvent.Informational(lineNo, name);
        }
        try {
            long start = hexValue(args.substring(head.length(), dash).trim());
            long end = hexValue(args.substring(dash + 3).trim());
            if (Long.compareUnsigned(end, start) < 0 || end - start == -1L) {
                return new TraceEvent.Informational(lineNo, name);
            }
            return new TraceEvent.SkippedSection(lineNo, start, end - start + 1);
        } catch (NumberFormatException e) {
            return new TraceEvent.Informational(lineNo, name);
        }
    }

    private static long hexValue(String text) {
        if (!text.startsWith("0x")) {
            throw new NumberFormatException(text);
        }
        return Long.parseUnsignedLong(text.substring(2), 16);
    }
}
