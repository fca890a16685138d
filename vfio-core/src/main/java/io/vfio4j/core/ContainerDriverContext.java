package io.vfio4j.core;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;

/** What the runtime hands a backend when a container opens it. */
record ContainerDriverContext(
        HostView host,
        IommuType requestedType,
        BackendSettings settings,
        VfioEventSink events,
        KernelVersion kernel)
        implements DriverContext {}
