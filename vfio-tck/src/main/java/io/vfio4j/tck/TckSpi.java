package io.vfio4j.tck;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.IommuGroup;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * SPI objects for tests that call a provider directly, without the runtime: what a backend must
 * handle when the core cannot route a call to it (e.g. a pin on a backend that takes no emulated
 * group).
 */
public final class TckSpi {
    private TckSpi() {}

    /** A driver context of the TCK's own. */
    public record Context(
            HostView host, IommuType requestedType, BackendSettings settings, Events events)
            implements DriverContext {
        public static Context of(TckBackend backend, HostView host) {
            String name = backend.provider().name();
            return new Context(
                    host,
                    backend.type(),
                    new BackendSettings(name, backend.settings()),
                    new Events());
        }
    }

    /** Records what a backend reports. */
    public static final class Events implements VfioEventSink {
        private final List<VendorLeak> leaks = new CopyOnWriteArrayList<>();
        private final List<String> taints = new CopyOnWriteArrayList<>();

        @Override
        public void vendorLeak(VendorLeak leak) {
            leaks.add(leak);
        }

        @Override
        public void taint(String reason) {
            taints.add(reason);
        }

        public List<VendorLeak> leaks() {
            return List.copyOf(leaks);
        }

        public List<String> taints() {
            return List.copyOf(taints);
        }
    }

    /** A group handle; for {@link GroupKind#IOMMU} pass the host's group. */
    public record Group(int id, GroupKind kind, Optional<IommuGroup> iommuGroup)
            implements VfioGroupHandle {}

    /** A device handle. */
    public record Device(String name, VfioGroupHandle group) implements VfioDeviceHandle {}
}
