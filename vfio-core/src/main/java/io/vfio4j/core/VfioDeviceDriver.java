package io.vfio4j.core;

import io.vfio4j.api.DmaUnmapListener;
import java.util.Optional;

/**
 * The driver behind a VFIO device (the kernel's {@code vfio_device_ops}): vfio-pci for a
 * passthrough device, a vendor driver for a mediated device.
 */
public interface VfioDeviceDriver {
    /** A driver with no callbacks: a passthrough device bound to vfio-pci. */
    VfioDeviceDriver PASSTHROUGH = new VfioDeviceDriver() {};

    /**
     * The first open of the device ({@code open_device}). Runs after the device was registered with
     * the container's backend, so the driver may pin pages here.
     *
     * @throws io.vfio4j.api.VfioException to refuse the open; the open then leaves no trace
     */
    default void open(VfioDevice device) {}

    /**
     * The last close ({@code close_device}). The driver must unpin everything it pinned; the device
     * is unregistered from the backend right after.
     */
    default void close(VfioDevice device) {}

    /**
     * The device's DMA-unmap callback. A device without one cannot pin pages (EINVAL), as in the
     * kernel.
     */
    default Optional<DmaUnmapListener> dmaUnmapListener() {
        return Optional.empty();
    }
}
