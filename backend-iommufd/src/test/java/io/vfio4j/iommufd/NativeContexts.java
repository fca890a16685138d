package io.vfio4j.iommufd;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.ioas.NativeContext;
import io.vfio4j.api.ioas.NativeIommuOps;
import java.util.Map;
import java.util.function.Consumer;

/** Opens a native {@code /dev/iommu} context of this backend on a simulated host, for the tests. */
final class NativeContexts {
    private NativeContexts() {}

    private record Ctx(
            HostView host, BackendSettings settings, VfioEventSink events, KernelVersion kernel)
            implements NativeContext {}

    /** A context whose events (leaks, taints, kernel WARNs) go nowhere. */
    static NativeIommuOps open(HostView host) {
        return open(host, warning -> {});
    }

    /** A context whose kernel WARNs go to {@code warnings}; leaks and taints go nowhere. */
    static NativeIommuOps open(HostView host, Consumer<String> warnings) {
        VfioEventSink sink =
                new VfioEventSink() {
                    @Override
                    public void vendorLeak(VendorLeak leak) {}

                    @Override
                    public void taint(String reason) {}

                    @Override
                    public void kernelWarn(String message) {
                        warnings.accept(message);
                    }
                };
        return new IommufdProvider()
                .openNative(
                        new Ctx(
                                host,
                                new BackendSettings("iommufd", Map.of()),
                                sink,
                                KernelVersion.BASELINE));
    }
}
