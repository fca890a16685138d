package io.vfio4j.mdev;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import java.util.Optional;

/** Binds a vendor's {@link MdevDeviceOps} to the core's device model. */
final class MdevVfioDriver implements VfioDeviceDriver {
    private final MdevDeviceOps ops;

    // One listener for the device's life: the core compares registrations by device, and the
    // answer to "does this device pin" must not change.
    private final Optional<DmaUnmapListener> listener;

    MdevVfioDriver(MdevDeviceOps ops) {
        this.ops = ops;
        this.listener = ops.pinsPages() ? Optional.of(ops::dmaUnmap) : Optional.empty();
    }

    @Override
    public void open(VfioDevice device) {
        ops.open(device);
    }

    @Override
    public void close(VfioDevice device) {
        ops.close(device);
    }

    @Override
    public Optional<DmaUnmapListener> dmaUnmapListener() {
        return listener;
    }
}
