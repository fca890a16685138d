package io.vfio4j.core;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.TypeLiteral;
import com.google.inject.util.Modules;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.core.plugin.PluginDirectorySource;
import io.vfio4j.host.SimHost;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a {@link Vfio} from its {@link Vfio.Builder}: resolves the configuration, builds the
 * {@link VfioModule} injector (with the application's modules as overrides), discovers and
 * validates the backends of every source, then binds the {@link BackendRegistry} in a child
 * injector.
 */
final class VfioAssembly {
    private static final TypeLiteral<Set<VfioIommuDriverProvider>> PROVIDERS =
            new TypeLiteral<>() {};
    private static final TypeLiteral<Map<String, VfioDeviceDriver>> DEVICE_DRIVERS =
            new TypeLiteral<>() {};

    private VfioAssembly() {}

    /** What {@link Vfio.Builder} collected. */
    record Request(
            SimHost host,
            VfioConfiguration configuration,
            List<BackendSource> sources,
            List<Module> modules,
            boolean classPath,
            boolean standardSources,
            boolean pluginDirectoryOff,
            Path pluginDirectory) {}

    static Vfio build(Request r) {
        VfioConfiguration cfg =
                r.configuration() != null
                        ? r.configuration()
                        : r.standardSources()
                                ? VfioConfiguration.load()
                                : VfioConfiguration.defaults();
        SimHost host = r.host() != null ? r.host() : SimHost.builder().build();
        Module base = new VfioModule(host, cfg);
        Injector root =
                Guice.createInjector(
                        Stage.PRODUCTION,
                        r.modules().isEmpty() ? base : Modules.override(base).with(r.modules()));
        // An application module may override the configuration binding: read it back.
        cfg = root.getInstance(VfioConfiguration.class);
        List<BackendSource> all = new ArrayList<>();
        if (r.classPath()) {
            all.add(ClassPathBackendSource.ofContext());
        }
        pluginDirectory(r, cfg).ifPresent(dir -> all.add(new PluginDirectorySource(dir)));
        all.addAll(r.sources());
        Set<VfioIommuDriverProvider> contributed = root.getInstance(Key.get(PROVIDERS));
        if (!contributed.isEmpty()) {
            all.add(new ModuleSource(List.copyOf(contributed)));
        }
        try {
            List<DiscoveredBackend> discovered =
                    new BackendDiscovery()
                            .discover(all, cfg, root.getInstance(SimHost.class).hostPlatform());
            Injector injector = root.createChildInjector(new BackendRegistryModule(discovered));
            return new Vfio(
                    injector.getInstance(SimHost.class),
                    cfg,
                    injector.getInstance(BackendRegistry.class),
                    all,
                    injector.getInstance(VfioEventSink.class),
                    injector.getInstance(Key.get(DEVICE_DRIVERS)),
                    injector);
        } catch (RuntimeException e) {
            all.forEach(BackendSource::close);
            throw e;
        }
    }

    /**
     * The plugin directory to scan, if any: none when left out; else the builder's explicit one;
     * else {@code vfio4j.plugin.dir} when the configuration sets it; else {@code plugins} in the
     * working directory, but only for a runtime that opted in to the standard sources.
     */
    private static Optional<Path> pluginDirectory(Request r, VfioConfiguration cfg) {
        if (r.pluginDirectoryOff()) {
            return Optional.empty();
        }
        if (r.pluginDirectory() != null) {
            return Optional.of(r.pluginDirectory());
        }
        if (cfg.get(VfioConfiguration.PLUGIN_DIR).isPresent() || r.standardSources()) {
            return Optional.of(cfg.pluginDirectory());
        }
        return Optional.empty();
    }

    /** The providers the application's Guice modules contributed. */
    private record ModuleSource(List<VfioIommuDriverProvider> providers) implements BackendSource {
        @Override
        public List<DiscoveredBackend> discover() {
            List<DiscoveredBackend> out = new ArrayList<>();
            for (VfioIommuDriverProvider p : providers) {
                out.add(
                        DiscoveredBackend.describe(
                                p,
                                "Guice module: " + ClassPathBackendSource.location(p.getClass())));
            }
            return out;
        }
    }
}
