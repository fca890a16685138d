package io.vfio4j.type1;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;

/** The runtime's side of {@code open}, reduced to what the backend reads. */
record TestContext(
        HostView host,
        IommuType requestedType,
        BackendSettings settings,
        VfioEventSink events,
        KernelVersion kernel)
        implements DriverContext {
    /** At the baseline era. */
    TestContext(
            HostView host,
            IommuType requestedType,
            BackendSettings settings,
            VfioEventSink events) {
        this(host, requestedType, settings, events, KernelVersion.BASELINE);
    }
}
