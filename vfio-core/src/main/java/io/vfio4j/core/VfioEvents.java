package io.vfio4j.core;

import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.host.SimHost;
import java.util.ArrayList;
import java.util.List;

/**
 * What backends and the host report: keeps vendor leaks for {@link Vfio#vendorLeaks()} and kernel
 * WARNs for {@link Vfio#warnings()}, taints the host, then hands each event to the application's
 * sink (the {@link VfioEventSink} binding of {@link VfioModule}). Thread-safe.
 */
final class VfioEvents implements VfioEventSink {
    private final SimHost host;
    private final VfioEventSink sink;
    private final List<VendorLeak> leaks = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    VfioEvents(SimHost host, VfioEventSink sink) {
        this.host = host;
        this.sink = sink;
    }

    @Override
    public void vendorLeak(VendorLeak leak) {
        synchronized (this) {
            leaks.add(leak);
        }
        sink.vendorLeak(leak);
    }

    @Override
    public void taint(String reason) {
        host.taint(reason);
        sink.taint(reason);
    }

    @Override
    public synchronized void kernelWarn(String message) {
        warnings.add(message);
        sink.kernelWarn(message);
    }

    synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    synchronized List<VendorLeak> leaks() {
        return List.copyOf(leaks);
    }
}
