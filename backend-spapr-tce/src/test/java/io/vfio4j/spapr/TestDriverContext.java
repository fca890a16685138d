package io.vfio4j.spapr;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The smallest {@link DriverContext}: a host, a type, settings and an event recorder. */
record TestDriverContext(
        HostView host,
        IommuType requestedType,
        BackendSettings settings,
        Events events,
        KernelVersion kernel)
        implements DriverContext {
    /** At the baseline era. */
    TestDriverContext(
            HostView host, IommuType requestedType, BackendSettings settings, Events events) {
        this(host, requestedType, settings, events, KernelVersion.BASELINE);
    }

    static TestDriverContext of(HostView host, IommuType type, boolean externalPinning) {
        return of(host, type, externalPinning, KernelVersion.BASELINE);
    }

    static TestDriverContext of(
            HostView host, IommuType type, boolean externalPinning, KernelVersion kernel) {
        Map<String, String> values =
                externalPinning ? Map.of(SpaprTceProvider.EXTERNAL_PINNING, "true") : Map.of();
        return new TestDriverContext(
                host,
                type,
                new BackendSettings(SpaprTceProvider.NAME, values),
                new Events(),
                kernel);
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
