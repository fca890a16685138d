package io.vfio4j.mdev;

import io.vfio4j.core.VfioDevice;

/**
 * The emulation of one mediated device, written by its vendor: the kernel's {@code vfio_device_ops}
 * of an mdev. vfio4j calls it; a vendor implements it.
 *
 * <h2>Life cycle</h2>
 *
 * <ol>
 *   <li>{@link MdevVendorDriver#create} returns it.
 *   <li>{@link #open} on the first open of the device. Before that call the core has already
 *       registered the device's DMA-unmap callback with the container's IOMMU backend, so {@code
 *       open} may pin.
 *   <li>{@link #read}/{@link #write} while open: the device's register space (its one region).
 *   <li>{@link #dmaUnmap} whenever userspace unmaps guest memory that holds pins (devices that
 *       {@link #pinsPages() pin} only).
 *   <li>{@link #close} on the last close. <b>It must unpin everything the device pinned</b>; the
 *       device still counts as open during the call, so unpinning works. A device that leaves pins
 *       behind is reported as a vendor leak when its group leaves the container ({@link
 *       io.vfio4j.core.Vfio#vendorLeaks()}).
 *   <li>{@link #remove} when the device is destroyed.
 * </ol>
 *
 * <h2>Pinning and DMA</h2>
 *
 * A device reaches guest memory only through the core, with the {@link VfioDevice} it is handed in
 * {@link #open}:
 *
 * <ul>
 *   <li>{@link VfioDevice#pinPages(long, int, int, long[])} pins at most {@code
 *       device.maxPinPages()} (512 on a 4 KiB host) page-aligned guest IOVAs and returns their host
 *       page frame numbers; the device may then read and write those frames directly. Checks and
 *       errors follow docs/reference/type1-mdev.md §3.2 (EINVAL not open, E2BIG over {@code
 *       maxPinPages()}, EINVAL unmapped IOVA, EPERM wrong protection, ENOMEM over
 *       RLIMIT_MEMLOCK...). A failed call leaves nothing pinned.
 *   <li>{@link VfioDevice#unpinPages(long, int)} drops one reference per page.
 *   <li>{@link VfioDevice#dmaRw(long, byte[], int, int, boolean)} copies through an IOVA without
 *       pinning, for devices that do not keep pages (a serial port, a mailbox).
 * </ul>
 *
 * {@link PinnedPages} keeps the bookkeeping a pinning vendor needs: what it holds, so that {@link
 * #close} and {@link #dmaUnmap} can release exactly that.
 */
public interface MdevDeviceOps {
    /**
     * True if the device pins guest pages. Only such a device gets {@link #dmaUnmap} callbacks, and
     * only such a device may pin (the core refuses a pin from a device without a DMA-unmap callback
     * with EINVAL). The answer must not change over the device's life.
     */
    default boolean pinsPages() {
        return false;
    }

    /**
     * The first open of the device by userspace ({@code open_device}).
     *
     * @param device the opened device: the vendor's handle for pin, unpin and dma_rw until {@link
     *     #close}
     * @throws io.vfio4j.api.VfioException to refuse the open; the vendor must first release what it
     *     pinned in this call
     */
    default void open(VfioDevice device) {}

    /**
     * The last close ({@code close_device}): release every pin (see the class comment). Must not
     * throw.
     */
    default void close(VfioDevice device) {}

    /**
     * The DMA-unmap callback ({@code dma_unmap}). {@code [iova, iova + length)} is a whole guest
     * mapping that is about to go. Before returning, unpin every page this device pinned in that
     * range; ignore IOVAs it did not pin; do not pin inside the range. A device that keeps its pins
     * is notified again, and after the 11th notification the backend raises {@link
     * io.vfio4j.api.KernelBugError}. Called without the container lock, possibly on another thread
     * than the one that opened the device.
     */
    default void dmaUnmap(long iova, long length) {}

    /** The size of the register space in bytes. */
    long regionSize();

    /**
     * A read of the register space. The core has checked that the device is open and that {@code
     * [offset, offset + length)} lies in the region.
     *
     * @return exactly {@code length} bytes
     */
    byte[] read(long offset, int length);

    /**
     * A write to the register space (checked as for {@link #read}). Writes may make the device do
     * DMA.
     */
    void write(long offset, byte[] data);

    /** The device is destroyed ({@code remove}); it is closed and in no container. */
    default void remove() {}
}
