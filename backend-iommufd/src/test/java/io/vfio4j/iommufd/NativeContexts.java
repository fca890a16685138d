package io.vfio4j.iommufd;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.ioas.NativeContext;
import io.vfio4j.api.ioas.NativeIommuOps;
import java.util.Map;

/** Opens a native {@code /dev/iommu} context of this backend on a simulated host, for the tests. */
final class NativeContexts {
    private NativeContexts() {}

    private record Ctx(
            HostView host, BackendSettings settings, VfioEventSink events, KernelVersion kernel)
            implements NativeContext {}

    /** A context whose events (leaks, taints, kernel WARNs) go nowhere the tests read. */
    static NativeIommuOps open(HostView host) {
        return open(host, new Fixture.Events());
    }

    /**
     * A context whose kernel WARNs are collected in {@code events}; leaks and taints go nowhere.
     */
    static NativeIommuOps open(HostView host, Fixture.Events events) {
        return new IommufdProvider()
                .openNative(
                        new Ctx(
                                host,
                                new BackendSettings("iommufd", Map.of()),
                                events,
                                KernelVersion.BASELINE));
    }
}
