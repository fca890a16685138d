package io.vfio4j.api.ioas;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;

/** What the runtime hands a backend when it opens a device-centric context. */
public interface NativeContext {
    /** The simulated host. */
    HostView host();

    /** This backend's settings ({@code vfio4j.backend.<name>.*}). */
    BackendSettings settings();

    /** Where to report kernel WARNs. */
    VfioEventSink events();

    /** The kernel era to answer for. */
    KernelVersion kernel();
}
