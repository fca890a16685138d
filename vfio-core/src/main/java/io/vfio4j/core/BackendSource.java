package io.vfio4j.core;

import java.util.List;

/**
 * Somewhere providers come from: the class path, or a plugin directory. Sources only find; {@link
 * BackendDiscovery} validates.
 */
public interface BackendSource extends AutoCloseable {
    /** Every provider this source offers, in a deterministic order. */
    List<DiscoveredBackend> discover();

    /**
     * What {@link #discover()} is loading now (a plugin jar, a provider class), for the message
     * when it blocks; by default the source itself.
     */
    default String inProgress() {
        return toString();
    }

    /** Releases what the source opened (plugin class loaders). */
    @Override
    default void close() {}
}
