package io.vfio4j.core;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.host.HostPlatform;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A provider found at start-up, with its description read once and where it came from.
 *
 * @param preferredType the type {@code VFIO_SET_IOMMU} asks for when this backend is chosen by name
 * @param platforms the host platforms the backend is made for (SPI 1.1)
 * @param origin "class path: backend-type1-0.1.0.jar" or a plugin jar path
 * @param builtIn true if the provider came from the runtime's own class path ({@link
 *     ClassPathBackendSource}); false for the plugin directory and any other source. Built-in
 *     backends are offered a type before the others that serve the same host platform.
 * @param loader the class loader that defined the provider; the runtime sets it as the thread
 *     context class loader around calls into the backend
 * @param offeredOnlyWhenConfigured the provider's {@link
 *     VfioIommuDriverProvider#offeredOnlyWhenConfigured()} (SPI 1.4): offered a type only when the
 *     configuration names it; with no allow-list it comes after every other backend
 */
public record DiscoveredBackend(
        VfioIommuDriverProvider provider,
        String name,
        String version,
        SpiVersion spiVersion,
        Set<IommuType> types,
        Set<String> settingKeys,
        IommuType preferredType,
        Set<HostPlatform> platforms,
        String origin,
        boolean builtIn,
        ClassLoader loader,
        boolean offeredOnlyWhenConfigured) {
    public DiscoveredBackend {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(name, "name");
        types = Set.copyOf(types);
        settingKeys = Set.copyOf(settingKeys);
        Objects.requireNonNull(preferredType, "preferredType");
        platforms = Set.copyOf(platforms);
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(loader, "loader");
    }

    /**
     * Reads the description of a provider that is not built in (a plugin, a test's own source).
     *
     * @throws VfioConfigurationException naming the provider and {@code origin} if a description
     *     call throws, answers null, or declares no IOMMU type
     */
    public static DiscoveredBackend describe(VfioIommuDriverProvider provider, String origin) {
        return describe(provider, origin, false);
    }

    /** As {@link #describe(VfioIommuDriverProvider, String)}, for the runtime's class path. */
    static DiscoveredBackend describeBuiltIn(VfioIommuDriverProvider provider, String origin) {
        return describe(provider, origin, true);
    }

    private static DiscoveredBackend describe(
            VfioIommuDriverProvider provider, String origin, boolean builtIn) {
        Objects.requireNonNull(provider, "provider");
        String who = provider.getClass().getName() + " (" + origin + ")";
        // Each description is plain data read once; a plugin that fails here is refused whole.
        String name = read(who, "name", provider::name);
        String version = read(who, "version", provider::version);
        SpiVersion spi = read(who, "spiVersion", provider::spiVersion);
        Set<IommuType> types = noNulls(who, "supportedTypes", provider::supportedTypes);
        if (types.isEmpty()) {
            throw new VfioConfigurationException(
                    "Backend '" + name + "' (" + origin + ") supports no IOMMU type");
        }
        Set<String> keys = noNulls(who, "settingKeys", provider::settingKeys);
        IommuType preferred = read(who, "preferredType", provider::preferredType);
        if (!types.contains(preferred)) {
            throw refused(who, "preferredType", "answered " + preferred + ", not one of " + types);
        }
        Set<HostPlatform> platforms = noNulls(who, "platforms", provider::platforms);
        boolean onlyWhenConfigured =
                read(who, "offeredOnlyWhenConfigured", provider::offeredOnlyWhenConfigured);
        return new DiscoveredBackend(
                provider,
                name,
                version,
                spi,
                types,
                keys,
                preferred,
                platforms,
                origin,
                builtIn,
                provider.getClass().getClassLoader(),
                onlyWhenConfigured);
    }

    private static <T> T read(String who, String call, Supplier<T> value) {
        T v;
        try {
            v = value.get();
        } catch (RuntimeException | LinkageError e) {
            throw refused(who, call, "failed: " + BackendCalls.reason(e));
        }
        if (v == null) {
            throw refused(who, call, "returned null");
        }
        return v;
    }

    private static <E, C extends Collection<E>> Set<E> noNulls(
            String who, String call, Supplier<? extends C> value) {
        C c = read(who, call, value);
        try {
            for (E e : c) {
                if (e == null) {
                    throw refused(who, call, "answered a set holding null");
                }
            }
            return Set.copyOf(c);
        } catch (RuntimeException e) {
            if (e instanceof VfioConfigurationException vce) {
                throw vce;
            }
            throw refused(who, call, "answered a broken set: " + BackendCalls.reason(e));
        }
    }

    private static VfioConfigurationException refused(String who, String call, String problem) {
        return new VfioConfigurationException(
                String.format(
                        Locale.ROOT, "IOMMU backend %s refused: %s() %s", who, call, problem));
    }

    /** {@code type1 (class path: backend-type1.jar)}. */
    public String describeOrigin() {
        return name + " (" + origin + ")";
    }

    /** True if the backend declares {@code platform} among its {@link #platforms()}. */
    public boolean serves(HostPlatform platform) {
        return platforms.contains(platform);
    }
}
