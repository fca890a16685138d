package io.vfio4j.core;

import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.host.HostPlatform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds providers in every source, validates them, and applies the configuration: names must match
 * the SPI pattern, SPI versions must be loadable, names must be unique across all sources, the
 * allow-list and the default must name discovered backends, and every {@code vfio4j.*} key must be
 * known. All of it happens before the injector is built, so errors are ours and precise.
 */
public final class BackendDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(BackendDiscovery.class);
    private static final Pattern NAME = Pattern.compile(VfioIommuDriverProvider.NAME_PATTERN);

    private final SpiVersion runtime;

    public BackendDiscovery() {
        this(VfioSpi.runtime());
    }

    BackendDiscovery(SpiVersion runtime) {
        this.runtime = runtime;
    }

    /** As {@link #discover(List, VfioConfiguration, HostPlatform)} on an x86-64 host. */
    public List<DiscoveredBackend> discover(List<BackendSource> sources, VfioConfiguration config) {
        return discover(sources, config, HostPlatform.X86_64);
    }

    /**
     * Each source runs on a daemon thread for at most {@link VfioConfiguration#discoveryTimeout()}
     * (see {@link DiscoveryWatchdog}).
     *
     * @param platform the host's platform: it decides the default when nothing is configured
     * @return the backends to offer, in order: the default first, then the allow-list order; with
     *     no allow-list, the backends serving {@code platform} first, built-in ones (class path)
     *     before the others, each group in name order, and the backends offered only when
     *     configured after all of them
     * @throws VfioConfigurationException on any invalid provider or configuration
     */
    public List<DiscoveredBackend> discover(
            List<BackendSource> sources, VfioConfiguration config, HostPlatform platform) {
        Duration timeout = config.discoveryTimeout();
        Map<String, DiscoveredBackend> byName = new TreeMap<>();
        for (BackendSource source : sources) {
            for (DiscoveredBackend b : DiscoveryWatchdog.discover(source, timeout)) {
                validate(b);
                DiscoveredBackend previous = byName.putIfAbsent(b.name(), b);
                if (previous != null) {
                    throw new VfioConfigurationException(
                            String.format(
                                    Locale.ROOT,
                                    "IOMMU backend name '%s' is provided twice: %s (%s) and %s (%s)",
                                    b.name(),
                                    previous.provider().getClass().getName(),
                                    previous.origin(),
                                    b.provider().getClass().getName(),
                                    b.origin()));
                }
            }
        }
        Map<String, Set<String>> keys = new TreeMap<>();
        byName.forEach((name, b) -> keys.put(name, b.settingKeys()));
        config.validate(keys);

        List<DiscoveredBackend> ordered = applyAllowList(byName, config, platform);
        ordered = putDefaultFirst(ordered, byName, config);
        for (DiscoveredBackend b : ordered) {
            LOG.info(
                    "IOMMU backend {} version {} (SPI {}) from {}: types {}",
                    b.name(),
                    b.version(),
                    b.spiVersion(),
                    b.origin(),
                    b.types());
        }
        return List.copyOf(ordered);
    }

    private void validate(DiscoveredBackend b) {
        String type = b.provider().getClass().getName();
        if (!NAME.matcher(b.name()).matches()) {
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "Backend name '%s' from %s (%s) does not match %s",
                            b.name(),
                            type,
                            b.origin(),
                            VfioIommuDriverProvider.NAME_PATTERN));
        }
        if (!b.spiVersion().isLoadableBy(runtime)) {
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "Backend '%s' (%s) was built for vfio4j SPI %s; this runtime supports SPI %d.0-%s",
                            b.name(),
                            b.origin(),
                            b.spiVersion(),
                            runtime.major(),
                            runtime));
        }
        if (b.types().isEmpty()) {
            throw new VfioConfigurationException(
                    "Backend '" + b.name() + "' (" + b.origin() + ") supports no IOMMU type");
        }
    }

    private static List<DiscoveredBackend> applyAllowList(
            Map<String, DiscoveredBackend> byName,
            VfioConfiguration config,
            HostPlatform platform) {
        List<String> allowed = config.allowedBackends();
        if (allowed.isEmpty()) {
            // A plugin never displaces the built-in backend of the host's platform unless
            // configured: otherwise a jar named "aaa" would take every container of its type.
            List<DiscoveredBackend> all = new ArrayList<>(byName.values());
            // A backend offered only when configured (iommufd's type1 compat) comes last.
            all.sort(
                    Comparator.comparing(DiscoveredBackend::offeredOnlyWhenConfigured)
                            .thenComparing((DiscoveredBackend b) -> !b.serves(platform))
                            .thenComparing(b -> !b.builtIn()));
            return all;
        }
        Map<String, DiscoveredBackend> out = new LinkedHashMap<>();
        for (String name : allowed) {
            DiscoveredBackend b = byName.get(name);
            if (b == null) {
                throw unknown(name, VfioConfiguration.BACKENDS, config, byName);
            }
            if (out.put(name, b) != null) {
                throw new VfioConfigurationException(
                        VfioConfiguration.BACKENDS
                                + " names '"
                                + name
                                + "' twice (from "
                                + config.origin(VfioConfiguration.BACKENDS)
                                + ")");
            }
        }
        return new ArrayList<>(out.values());
    }

    private static List<DiscoveredBackend> putDefaultFirst(
            List<DiscoveredBackend> ordered,
            Map<String, DiscoveredBackend> byName,
            VfioConfiguration config) {
        String wanted = config.defaultBackend().orElse(null);
        if (wanted == null) {
            return ordered;
        }
        DiscoveredBackend b = byName.get(wanted);
        if (b == null) {
            throw unknown(wanted, VfioConfiguration.DEFAULT_BACKEND, config, byName);
        }
        if (!ordered.contains(b)) {
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "Default backend '%s' (from %s) is not in %s = %s",
                            wanted,
                            config.origin(VfioConfiguration.DEFAULT_BACKEND),
                            VfioConfiguration.BACKENDS,
                            config.allowedBackends()));
        }
        List<DiscoveredBackend> out = new ArrayList<>(ordered);
        out.remove(b);
        out.add(0, b);
        return out;
    }

    static VfioConfigurationException unknown(
            String name,
            String key,
            VfioConfiguration config,
            Map<String, DiscoveredBackend> byName) {
        String available =
                byName.isEmpty()
                        ? "none (no provider of io.vfio4j.api.VfioIommuDriverProvider was found)"
                        : byName.values().stream()
                                .map(DiscoveredBackend::describeOrigin)
                                .collect(Collectors.joining(", "));
        return new VfioConfigurationException(
                String.format(
                        Locale.ROOT,
                        "No IOMMU backend named '%s' (from %s, %s). Available: %s",
                        name,
                        key,
                        config.origin(key),
                        available));
    }
}
