package io.vfio4j.core;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioIommuDriverProvider;
import java.util.Objects;
import java.util.Set;

/**
 * A provider found at start-up, with its description read once and where it came from.
 *
 * @param origin "class path (backend-type1-0.1.0.jar)" or a plugin jar path
 * @param loader the class loader that defined the provider; the runtime sets it as the thread
 *     context class loader around calls into the backend
 */
public record DiscoveredBackend(
        VfioIommuDriverProvider provider,
        String name,
        String version,
        SpiVersion spiVersion,
        Set<IommuType> types,
        Set<String> settingKeys,
        String origin,
        ClassLoader loader) {
    public DiscoveredBackend {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(name, "name");
        types = Set.copyOf(types);
        settingKeys = Set.copyOf(settingKeys);
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(loader, "loader");
    }

    /** Reads the provider's description once (it is plain data; see the SPI). */
    public static DiscoveredBackend describe(VfioIommuDriverProvider provider, String origin) {
        return new DiscoveredBackend(
                provider,
                provider.name(),
                provider.version(),
                provider.spiVersion(),
                provider.supportedTypes(),
                provider.settingKeys(),
                origin,
                provider.getClass().getClassLoader());
    }

    /** {@code type1 (class path: backend-type1.jar)}. */
    public String describeOrigin() {
        return name + " (" + origin + ")";
    }
}
