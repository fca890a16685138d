package io.vfio4j.core;

import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.host.SimHost;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps what backends and the host report: vendor leaks, taints and kernel WARNs. Thread-safe. */
final class VfioEvents implements VfioEventSink {
    private static final Logger LOG = LoggerFactory.getLogger(VfioEvents.class);

    private final SimHost host;
    private final List<VendorLeak> leaks = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    VfioEvents(SimHost host) {
        this.host = host;
    }

    @Override
    public synchronized void vendorLeak(VendorLeak leak) {
        LOG.warn(
                "vendor driver leak: device {} still held {} pinned pages ({} references) when its group left a {} container; unpinned them",
                leak.device(),
                leak.iovas().size(),
                leak.references(),
                leak.backend());
        leaks.add(leak);
    }

    @Override
    public void taint(String reason) {
        LOG.warn("host tainted: {}", reason);
        host.taint(reason);
    }

    @Override
    public synchronized void kernelWarn(String message) {
        LOG.warn("kernel WARN: {}", message);
        warnings.add(message);
    }

    synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    synchronized List<VendorLeak> leaks() {
        return List.copyOf(leaks);
    }
}
