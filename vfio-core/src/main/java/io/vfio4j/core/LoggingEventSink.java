package io.vfio4j.core;

import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link VfioEventSink} binding: logs taints and kernel WARNs as warnings, vendor leaks
 * (already warned about by the backend) at debug level.
 */
public final class LoggingEventSink implements VfioEventSink {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingEventSink.class);

    @Inject
    public LoggingEventSink() {}

    @Override
    public void vendorLeak(VendorLeak leak) {
        // Debug only: the backend that found the leak has already logged it as a WARN.
        LOG.debug(
                "vendor driver leak: device {} still held {} pinned pages ({} references) when its group left a {} container; unpinned them",
                leak.device(),
                leak.iovas().size(),
                leak.references(),
                leak.backend());
    }

    @Override
    public void taint(String reason) {
        LOG.warn("host tainted: {}", reason);
    }

    @Override
    public void kernelWarn(String message) {
        LOG.warn("kernel WARN: {}", message);
    }
}
