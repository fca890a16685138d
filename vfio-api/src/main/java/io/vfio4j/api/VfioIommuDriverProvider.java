package io.vfio4j.api;

import io.vfio4j.api.host.HostPlatform;
import io.vfio4j.api.host.HostView;
import java.util.Set;

/**
 * An IOMMU backend, found with {@link java.util.ServiceLoader} through {@code
 * META-INF/services/io.vfio4j.api.VfioIommuDriverProvider}. The provider is stateless and cheap: it
 * describes the backend and opens one {@link VfioIommuDriverOps} per container.
 *
 * <p>The runtime reads {@link #name()}, {@link #spiVersion()}, {@link #supportedTypes()} and {@link
 * #settingKeys()} once, at discovery, and refuses the provider with a {@link
 * VfioConfigurationException} if the name does not match {@code [a-z][a-z0-9-]*}, another provider
 * has the same name, or the SPI version is not loadable. Every call into a provider is guarded: a
 * description that throws or answers null refuses the provider at discovery; a run-time call that
 * throws fails only that operation (see docs/reliability.md, "Plugins").
 */
public interface VfioIommuDriverProvider {
    /** The pattern every backend name matches. */
    String NAME_PATTERN = "[a-z][a-z0-9-]*";

    /** The backend name, e.g. {@code type1}; used in configuration and messages. */
    String name();

    /**
     * The SPI version this provider was compiled against. Implement it in the provider class as
     * {@code return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);} so the constants are compiled in.
     */
    SpiVersion spiVersion();

    /** The IOMMU types the backend implements; {@code VFIO_SET_IOMMU} offers it only these. */
    Set<IommuType> supportedTypes();

    /**
     * The type {@code VFIO_SET_IOMMU} asks for when a container is set up with this backend by name
     * rather than by type. Defaults to the supported type with the highest uAPI number (TYPE1v2
     * over TYPE1, SPAPR_TCE_v2 over SPAPR_TCE).
     */
    default IommuType preferredType() {
        return supportedTypes().stream()
                .max(java.util.Comparator.comparingInt(IommuType::id))
                .orElseThrow(() -> new IllegalStateException(name() + " supports no IOMMU type"));
    }

    /** The implementation version, for listings; defaults to the jar manifest's. */
    default String version() {
        String v = getClass().getPackage().getImplementationVersion();
        return v == null ? "unversioned" : v;
    }

    /**
     * The host platforms this backend is made for (SPI 1.1). When nothing is configured, the
     * default backend is a built-in backend serving the host's platform, and backends serving it
     * are offered a type before the others. Defaults to every platform: a provider built against
     * SPI 1.0 is offered types on any host, as before, but after the built-in ones.
     */
    default Set<HostPlatform> platforms() {
        return java.util.EnumSet.allOf(HostPlatform.class);
    }

    /**
     * True for a backend that implements types another backend serves by default (SPI 1.4): the
     * iommufd compat container answers TYPE1 and TYPE1v2 like type1 does. Such a backend is offered
     * a type only when the configuration names it: as the default backend ({@code
     * vfio4j.backend.default}), in the allow-list ({@code vfio4j.backends}) or for one container
     * ({@code setIommu(name, type)}). It is listed and its settings are read like any other.
     * Defaults to false: every backend is offered the types it supports.
     */
    default boolean offeredOnlyWhenConfigured() {
        return false;
    }

    /** Setting keys accepted under {@code vfio4j.backend.<name>.}; any other key is refused. */
    default Set<String> settingKeys() {
        return Set.of();
    }

    /**
     * {@code VFIO_CHECK_EXTENSION} asked of the backend before any container chose it: a positive
     * value if it supports {@code extension}, 0 if not. Never fails.
     */
    int checkExtension(long extension, HostView host);

    /**
     * {@link #checkExtension(long, HostView)} for a runtime set to the kernel era {@code kernel}
     * ({@code vfio4j.kernel}); the runtime calls this one. A backend whose answers differ by era
     * overrides it; the default ignores the era.
     */
    default int checkExtension(long extension, HostView host, KernelVersion kernel) {
        return checkExtension(extension, host);
    }

    /**
     * Opens the per-container state ({@code open(arg)} of the kernel's driver ops) for {@code
     * context.requestedType()}.
     *
     * @throws VfioException EINVAL if the type is not supported; ENOMEM on allocation failure
     * @throws VfioConfigurationException if a setting has a malformed value
     */
    VfioIommuDriverOps open(DriverContext context);
}
