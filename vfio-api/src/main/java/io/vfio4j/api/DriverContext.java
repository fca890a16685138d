package io.vfio4j.api;

import io.vfio4j.api.host.HostView;

/**
 * Everything a backend gets from the runtime when a container opens it: the host, the IOMMU type
 * userspace asked for, its settings and an event sink. It is a backend's only way into the core.
 */
public interface DriverContext {
    /** The simulated host. */
    HostView host();

    /** The type passed to {@code VFIO_SET_IOMMU}: always one of the provider's supported types. */
    IommuType requestedType();

    /** This backend's settings ({@code vfio4j.backend.<name>.*}). */
    BackendSettings settings();

    /** Where to report vendor leaks and taints. */
    VfioEventSink events();

    /**
     * The kernel era whose answers the backend should give where mainline changed them ({@code
     * vfio4j.kernel}, or a scenario's {@code kernel:}). A context that does not say answers the
     * baseline, so a context written against an older SPI keeps its behaviour.
     */
    default KernelVersion kernel() {
        return KernelVersion.BASELINE;
    }
}
