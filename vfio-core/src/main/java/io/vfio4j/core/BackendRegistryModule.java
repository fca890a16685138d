package io.vfio4j.core;

import com.google.inject.AbstractModule;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.vfio4j.api.VfioIommuDriverProvider;
import java.util.List;

/**
 * Binds the validated backends: one {@code MapBinder<String, VfioIommuDriverProvider>} entry per
 * backend, plus the discovery result and the configuration. Discovery and validation ran before, so
 * this module is fast and has no side effects.
 */
final class BackendRegistryModule extends AbstractModule {
    private final List<DiscoveredBackend> discovered;
    private final VfioConfiguration configuration;

    BackendRegistryModule(List<DiscoveredBackend> discovered, VfioConfiguration configuration) {
        this.discovered = List.copyOf(discovered);
        this.configuration = configuration;
    }

    @Override
    protected void configure() {
        binder().requireExplicitBindings();
        binder().disableCircularProxies();
        MapBinder<String, VfioIommuDriverProvider> providers =
                MapBinder.newMapBinder(binder(), String.class, VfioIommuDriverProvider.class);
        for (DiscoveredBackend b : discovered) {
            providers.addBinding(b.name()).toInstance(b.provider());
        }
        bind(new TypeLiteral<List<DiscoveredBackend>>() {}).toInstance(discovered);
        bind(VfioConfiguration.class).toInstance(configuration);
        bind(BackendRegistry.class);
    }
}
