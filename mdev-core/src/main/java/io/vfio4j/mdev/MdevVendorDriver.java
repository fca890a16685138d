package io.vfio4j.mdev;

/**
 * A vendor driver for mediated devices (the kernel's {@code mdev_driver} plus the parent's ops): a
 * GPU driver that carves virtual GPUs out of a physical one, for example.
 *
 * <p>How a vendor uses vfio4j:
 *
 * <ol>
 *   <li>Implement this interface and {@link MdevDeviceOps}.
 *   <li>Register each physical device it drives with {@link MdevBus#registerParent}, naming the
 *       {@link MdevTypeSpec types} it offers, or bind it in a Guice module with {@link
 *       MdevModule#parent} so that {@link MdevBus#of} registers it. Type names become {@code
 *       <name()>-<sysfsName>}.
 *   <li>The administrator (or a test) creates devices with {@link MdevBus#create}; each create
 *       calls {@link #create} here, which returns the device's emulation.
 *   <li>Userspace attaches the device's group to a container and opens the device; from then on the
 *       emulation sees {@link MdevDeviceOps#open}, region accesses, DMA-unmap callbacks and finally
 *       {@link MdevDeviceOps#close}.
 *   <li>{@link MdevBus#remove} (or {@link MdevBus#unregisterParent}) ends with {@link
 *       MdevDeviceOps#remove}.
 * </ol>
 *
 * <p>Callbacks run on the caller's thread with the bus lock held: they must not call back into the
 * {@link MdevBus}. They may call the device's pin, unpin and dma_rw methods.
 */
public interface MdevVendorDriver {
    /** The pattern a driver name matches. */
    String NAME_PATTERN = "[a-z][a-z0-9_]*";

    /**
     * The driver name, as {@code dev_driver_string} of the parent: the prefix of every type name
     * (driver {@code "vgpu"}, type {@code "v100-4q"} gives {@code "vgpu-v100-4q"}).
     */
    String name();

    /**
     * Creates the emulation of a new mediated device (the mdev driver's {@code probe}). The device
     * is not yet reachable by userspace.
     *
     * @param device the new device: its UUID, type and parent
     * @return the device's emulation; called for nothing else until the device is opened
     * @throws io.vfio4j.api.VfioException to refuse the device; the create then leaves no trace
     *     (the type's {@code available_instances} is restored, no group exists)
     */
    MdevDeviceOps create(MdevDevice device);
}
