package io.vfio4j.replay;

import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.SimHost;
import java.util.Map;

/**
 * Builds the runtime a replay runs on, so the caller decides where backends and settings come from:
 * the class path only (a library's default), or also the configuration file, system properties and
 * plugin directory (the command line's, {@link Vfio.Builder#withStandardSources()}).
 */
@FunctionalInterface
public interface RuntimeFactory {
    /**
     * @param host the simulated host the fixture built
     * @param keys the replay's own settings ({@code vfio4j.check-invariants}, a dma-entry-limit)
     * @throws io.vfio4j.api.VfioConfigurationException if the settings or backends are refused
     */
    Vfio create(SimHost host, Map<String, String> keys);

    /** Backends from the class path, settings from {@code keys} alone. */
    static RuntimeFactory classPathOnly() {
        return (host, keys) ->
                Vfio.builder().host(host).configuration(VfioConfiguration.of(keys)).build();
    }
}
