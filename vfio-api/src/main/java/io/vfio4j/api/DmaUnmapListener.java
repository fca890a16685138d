package io.vfio4j.api;

/**
 * The DMA-unmap callback of a device that pins pages (the kernel's {@code dma_unmap} op of a {@code
 * vfio_device}).
 *
 * <p>Contract: the backend calls it, outside the container lock, before it removes a mapping that
 * holds pins; {@code [iova, iova + length)} is the whole mapping, not the range userspace asked to
 * unmap. Before returning, the device must unpin every page it pinned in that range; it may call
 * {@code unpinPages} from inside the callback. It must ignore IOVAs it did not pin and must not pin
 * inside the range. A device that keeps its pins makes the backend retry: type1 raises {@link
 * KernelBugError} after the 11th notification of the same mapping; iommufd fails the unmap with
 * EDEADLK after the 101st (docs/reference/iommufd.md §6 X8). A backend whose unpin matches exact
 * pin ranges (iommufd) needs the device to unpin with the ranges it pinned.
 */
@FunctionalInterface
public interface DmaUnmapListener {
    void dmaUnmap(long iova, long length);
}
