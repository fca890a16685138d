package io.vfio4j.api;

import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.Task;

/**
 * One backend instance per container (the kernel's {@code vfio_iommu_driver_ops} with its {@code
 * iommu_data}). The core calls it with the container's group lock held as the kernel does: attach
 * and detach exclusively, everything else shared. The backend guards its own state with one lock of
 * its own (the kernel's {@code iommu->lock}) and must call {@link DmaUnmapListener}s outside that
 * lock.
 *
 * <p>Every method that throws {@link VfioException} leaves no trace when it does: nothing pinned,
 * nothing charged, no mapping or group added or removed.
 */
public interface VfioIommuDriverOps {
    /**
     * A group joins the container (from {@code VFIO_SET_IOMMU} for the groups already there, or
     * {@code VFIO_GROUP_SET_CONTAINER} later).
     *
     * @throws VfioException EINVAL if the group is attached already or its kind is not supported;
     *     the backend's own refusals (type1: EPERM without interrupt remapping, EBUSY while a vaddr
     *     is invalid, ENOMEM/EFAULT from replay; SPAPR: EINVAL, ENODEV, EBUSY, EPERM)
     */
    void attachGroup(VfioGroupHandle group);

    /** A group leaves the container. Never fails; may unpin, un-charge and report leaks. */
    void detachGroup(VfioGroupHandle group);

    /**
     * A container ioctl other than GET_API_VERSION and SET_IOMMU, issued by {@code caller}.
     *
     * @return the command's typed result
     * @throws VfioException ENOTTY for a command this backend does not implement; otherwise the
     *     command's documented errno
     */
    <R> R execute(Task caller, VfioCommand<R> command);

    /**
     * Pins {@code npage} pages from {@code iova} for {@code device} (the kernel's {@code
     * pin_pages}), writing the host page frame numbers into {@code pfns[0..npage)}. The core has
     * already checked that the device is open, that {@code 0 < npage <= PAGE_SIZE / 8} (the
     * kernel's {@code VFIO_PIN_PAGES_MAX_ENTRIES}: 512 on a 4 KiB host, 8,192 on a 64 KiB host) and
     * that {@code pfns} is large enough.
     *
     * @return {@code npage}
     * @throws VfioException ENOTTY if the backend cannot pin (the default); the backend's errno
     *     otherwise, with nothing left pinned or charged by this call
     */
    default int pinPages(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        throw new VfioException(
                Errno.ENOTTY, "this IOMMU backend does not support external pinning");
    }

    /**
     * The most pages one {@link #pinPages} call may name (SPI 1.4). The default is the type1 path's
     * {@code VFIO_PIN_PAGES_MAX_ENTRIES}, {@code PAGE_SIZE / 8} (512 on a 4 KiB host); the core
     * refuses a larger request with E2BIG before calling the backend. iommufd's access path has no
     * such bound.
     *
     * @param pageSize the host page size in bytes
     */
    default long maxPinPages(long pageSize) {
        return pageSize / 8;
    }

    /**
     * Drops one reference of {@code device} on each of {@code npage} pages from {@code iova}. A
     * page that is not pinned is ignored (the kernel's rule) unless the backend runs in a strict
     * mode.
     *
     * @throws VfioException ENOTTY if the backend cannot pin (the default)
     */
    default void unpinPages(VfioDeviceHandle device, long iova, int npage) {
        throw new VfioException(
                Errno.ENOTTY, "this IOMMU backend does not support external pinning");
    }

    /**
     * Registers a device that must be told of DMA unmaps (the kernel's {@code register_device}).
     * The default ignores it: a backend that cannot pin never needs to notify.
     */
    default void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {}

    /** Removes a device registered with {@link #registerDevice}. */
    default void unregisterDevice(VfioDeviceHandle device) {}

    /**
     * Copies between {@code buf} and guest memory through {@code iova} without pinning (the
     * kernel's {@code dma_rw}).
     *
     * @param write true to write guest memory
     * @throws VfioException ENOTTY if unsupported (the default); EINVAL for an unmapped IOVA; EPERM
     *     for a mapping without the access
     */
    default void dmaRw(
            VfioDeviceHandle device, long iova, byte[] buf, int offset, int length, boolean write) {
        throw new VfioException(Errno.ENOTTY, "this IOMMU backend does not support dma_rw");
    }

    /** A snapshot of the container's state for reports. */
    BackendState state();

    /**
     * Reports what this container holds, for the runtime's invariant checker: the pages it charged
     * to each address space, the frames it pinned, its entry budget.
     */
    void audit(AuditSink sink);

    /**
     * The last group left or the container closed: remove every mapping, unpin and un-charge
     * everything, free every domain. The instance is not used again.
     */
    void release();
}
