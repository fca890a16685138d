package io.vfio4j.spapr;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The smallest {@link DriverContext}: a host, a type, settings and an event recorder. */
record TestDriverContext(
        HostView host, IommuType requestedType, BackendSettings settings, Events events)
        implements DriverContext {
    static TestDriverContext of(HostView host, IommuType type, boolean externalPinning) {
        Map<String, String> values =
                externalPinning ? Map.of(SpaprTceProvider.EXTERNAL_PINNING, "true") : Map.of();
        return new TestDriverContext(
                host, type, new BackendSettings(SpaprTceProvider.NAME, values), new Events());
    }

    /** Records what the backend reports. */
    static final class Events implements VfioEventSink {
        final List<VendorLeak> leaks = new CopyOnWriteArrayList<>();
        final List<String> taints = new CopyOnWriteArrayList<>();

        @Override
        public void vendorLeak(VendorLeak leak) {
            leaks.add(leak);
        }

        @Override
        public void taint(String reason) {
            taints.add(reason);
        }
    }
}
