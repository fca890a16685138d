package io.vfio4j.core;

import com.google.inject.AbstractModule;
import com.google.inject.Singleton;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import io.vfio4j.api.VfioIommuDriverProvider;
import java.util.List;

/**
 * Binds the validated backends: one {@code MapBinder<String, VfioIommuDriverProvider>} entry per
 * backend, plus the discovery result. Discovery and validation ran before, so this module is fast
 * and has no side effects. It is installed in a child injector of the one built from {@link
 * VfioModule} (which binds the configuration), since discovery needs that injector's providers.
 */
final class BackendRegistryModule extends AbstractModule {
    private final List<DiscoveredBackend> discovered;

    BackendRegistryModule(List<DiscoveredBackend> discovered) {
        this.discovered = List.copyOf(discovered);
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
        bind(BackendRegistry.class).in(Singleton.class);
    }
}
