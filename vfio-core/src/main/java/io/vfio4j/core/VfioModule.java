package io.vfio4j.core;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.host.SimHost;
import java.util.Objects;

/**
 * The runtime's Guice bindings, which an embedding application overrides or extends with {@link
 * Vfio.Builder#modules}:
 *
 * <ul>
 *   <li>{@link SimHost}: the host the runtime models (the builder's {@code host(...)}, else a
 *       default host);
 *   <li>{@link VfioConfiguration}: the resolved configuration;
 *   <li>{@link VfioEventSink}: where vendor leaks and taints go once the runtime has recorded them
 *       ({@link Vfio#vendorLeaks()}) and tainted the host; by default a sink that logs them;
 *   <li>a set of {@link VfioIommuDriverProvider}s ({@link #providers(Binder)}): backends an
 *       application contributes in code, validated like those of the class path and the plugin
 *       directory;
 *   <li>a map of {@link VfioDeviceDriver}s by device name ({@link #deviceDrivers(Binder)}): the
 *       driver behind a device of a hardware IOMMU group when {@link Vfio#group(int)} opens it,
 *       {@link VfioDeviceDriver#PASSTHROUGH} (vfio-pci, no callbacks) for a device not in the map;
 *   <li>{@link BackendRegistry}: the validated backends, bound in a child injector once discovery
 *       ran (see {@link Vfio#injector()}).
 * </ul>
 *
 * <p>The SPI ({@code vfio-api}) stays free of Guice: only the runtime and the application see it.
 */
public final class VfioModule extends AbstractModule {
    private final SimHost host;
    private final VfioConfiguration configuration;

    /**
     * @param host the host to bind
     * @param configuration the resolved configuration
     */
    public VfioModule(SimHost host, VfioConfiguration configuration) {
        this.host = Objects.requireNonNull(host, "host");
        this.configuration = Objects.requireNonNull(configuration, "configuration");
    }

    /**
     * The set an application adds backends to, e.g. {@code
     * VfioModule.providers(binder()).addBinding().toInstance(new MyProvider())} in its module's
     * {@code configure()}.
     */
    public static Multibinder<VfioIommuDriverProvider> providers(Binder binder) {
        return Multibinder.newSetBinder(binder, VfioIommuDriverProvider.class);
    }

    /**
     * The map an application binds device drivers in, by device name, e.g. {@code
     * VfioModule.deviceDrivers(binder()).addBinding("0000:01:00.0").toInstance(myGpu)}.
     */
    public static MapBinder<String, VfioDeviceDriver> deviceDrivers(Binder binder) {
        return MapBinder.newMapBinder(binder, String.class, VfioDeviceDriver.class);
    }

    @Override
    protected void configure() {
        binder().requireExplicitBindings();
        binder().disableCircularProxies();
        bind(SimHost.class).toInstance(host);
        bind(VfioConfiguration.class).toInstance(configuration);
        bind(VfioEventSink.class).to(LoggingEventSink.class);
        bind(LoggingEventSink.class);
        providers(binder());
        deviceDrivers(binder());
    }
}
