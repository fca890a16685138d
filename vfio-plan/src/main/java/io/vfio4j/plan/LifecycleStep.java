package io.vfio4j.plan;

import java.nio.file.Path;

/** One change applied to a running domain after its start, in the order given. */
public sealed interface LifecycleStep {
    /** A label for tables and charts, e.g. {@code hotplug gpu2.xml}. */
    String label();

    /** Hot plug of the device in this file (a hostdev, an interface or a disk). */
    record Hotplug(Path file) implements LifecycleStep {
        @Override
        public String label() {
            return "hotplug " + file.getFileName();
        }
    }

    /** Hot plug of a DIMM of this many bytes. */
    record MemoryPlug(long bytes) implements LifecycleStep {
        @Override
        public String label() {
            return "memory-plug " + Sizes.human(bytes);
        }
    }

    /** Hot unplug of the device (or memory device) with this alias. */
    record Unplug(String alias) implements LifecycleStep {
        @Override
        public String label() {
            return "unplug " + alias;
        }
    }

    /**
     * Parses {@code hotplug:FILE}, {@code memory-plug:SIZE} or {@code unplug:ALIAS}.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    static LifecycleStep parse(String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String arg = colon < 0 ? "" : spec.substring(colon + 1);
        if (arg.isEmpty()) {
            throw new IllegalArgumentException(
                    "--then '"
                            + spec
                            + "': expected hotplug:FILE, memory-plug:SIZE or unplug:ALIAS");
        }
        return switch (kind) {
            case "hotplug" -> new Hotplug(Path.of(arg));
            case "memory-plug" -> new MemoryPlug(Sizes.parseBytes(arg));
            case "unplug" -> new Unplug(arg);
            default ->
                    throw new IllegalArgumentException(
                            "--then '"
                                    + spec
                                    + "': unknown step '"
                                    + kind
                                    + "' (hotplug, memory-plug, unplug)");
        };
    }
}
