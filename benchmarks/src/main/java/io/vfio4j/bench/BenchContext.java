package io.vfio4j.bench;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.host.HostView;
import java.util.Map;
import java.util.ServiceLoader;

/** The smallest {@link DriverContext}: a host, a type, settings, and events that are dropped. */
record BenchContext(HostView host, IommuType requestedType, BackendSettings settings)
        implements DriverContext {

    /** Vendor leaks and taints are not expected in a benchmark; they are ignored. */
    private static final VfioEventSink NO_EVENTS =
            new VfioEventSink() {
                @Override
                public void vendorLeak(VendorLeak leak) {}

                @Override
                public void taint(String reason) {}
            };

    @Override
    public VfioEventSink events() {
        return NO_EVENTS;
    }

    /** Opens the backend {@code name} (found with ServiceLoader) for one container. */
    static VfioIommuDriverOps open(
            String name, HostView host, IommuType type, Map<String, String> settings) {
        for (VfioIommuDriverProvider p : ServiceLoader.load(VfioIommuDriverProvider.class)) {
            if (p.name().equals(name)) {
                return p.open(new BenchContext(host, type, new BackendSettings(name, settings)));
            }
        }
        throw new IllegalStateException("no IOMMU backend named " + name + " on the class path");
    }
}
