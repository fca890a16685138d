package io.vfio4j.core;

import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.host.HostPlatform;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The validated backends in the order {@code VFIO_SET_IOMMU} offers a type to them, with where each
 * came from. Built by Guice from the {@code MapBinder} of providers plus the discovery result.
 */
public final class BackendRegistry {
    private final List<DiscoveredBackend> ordered;
    private final VfioConfiguration configuration;

    @Inject
    BackendRegistry(
            Map<String, VfioIommuDriverProvider> providers,
            List<DiscoveredBackend> discovered,
            VfioConfiguration configuration) {
        List<DiscoveredBackend> list = new ArrayList<>();
        for (DiscoveredBackend b : discovered) {
            if (providers.get(b.name()) != b.provider()) {
                throw new IllegalStateException(
                        "binding of backend " + b.name() + " does not match discovery");
            }
            list.add(b);
        }
        this.ordered = List.copyOf(list);
        this.configuration = configuration;
    }

    /** Every backend, in offer order. */
    public List<DiscoveredBackend> backends() {
        return ordered;
    }

    /**
     * The backends {@code VFIO_SET_IOMMU(type)} and CHECK_EXTENSION before it ask on a host of
     * {@code platform}, in offer order: those made for the platform (the kernel builds no SPAPR
     * driver on x86, so there CHECK_EXTENSION(SPAPR_TCE) is 0 and SET_IOMMU of it ENODEV, even with
     * the spapr-tce backend on the class path; measured on 6.1, 6.12, 7.2), and of them every
     * backend but those {@linkplain DiscoveredBackend#offeredOnlyWhenConfigured() offered only when
     * configured} that the configuration does not name (as the default or in the allow-list).
     * Selecting a backend by name for one container bypasses this filter.
     */
    public List<DiscoveredBackend> offered(HostPlatform platform) {
        return offered().stream().filter(b -> b.serves(platform)).toList();
    }

    /**
     * As {@link #offered(HostPlatform)}, without the platform filter: every backend offered,
     * whatever the host.
     */
    public List<DiscoveredBackend> offered() {
        List<String> allowed = configuration.allowedBackends();
        Optional<String> chosen = configuration.defaultBackend();
        return ordered.stream()
                .filter(
                        b ->
                                !b.offeredOnlyWhenConfigured()
                                        || allowed.contains(b.name())
                                        || chosen.filter(b.name()::equals).isPresent())
                .toList();
    }

    public Optional<DiscoveredBackend> find(String name) {
        return ordered.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /**
     * The backend {@code name}.
     *
     * @throws VfioConfigurationException listing the available backends if there is none
     */
    public DiscoveredBackend require(String name) {
        return find(name)
                .orElseThrow(
                        () ->
                                new VfioConfigurationException(
                                        "No IOMMU backend named '"
                                                + name
                                                + "'. Available: "
                                                + describeAll()));
    }

    /** The configured default, or the first backend in {@linkplain #offered() offer order}. */
    public Optional<DiscoveredBackend> defaultBackend() {
        return configuration
                .defaultBackend()
                .flatMap(this::find)
                .or(() -> offered().stream().findFirst());
    }

    public String describeAll() {
        return ordered.isEmpty()
                ? "none"
                : ordered.stream()
                        .map(DiscoveredBackend::describeOrigin)
                        .collect(Collectors.joining(", "));
    }

    VfioConfiguration configuration() {
        return configuration;
    }
}
