package io.vfio4j.api;

/**
 * A VFIO device as a backend sees it when the device pins pages, reads through an IOVA or registers
 * for DMA-unmap notification. Backends record it as the holder of each pin reference.
 */
public interface VfioDeviceHandle {
    /** The device name, unique on the host: a PCI address or an mdev UUID. */
    String name();

    /** The group the device belongs to. */
    VfioGroupHandle group();
}
