package io.vfio4j.plan;

/**
 * The first charge the kernel refuses under the limit libvirt sets.
 *
 * @param device the alias of the device being set up
 * @param action what QEMU was doing, e.g. {@code VFIO_IOMMU_MAP_DMA ram-below-4g (2 GiB)}
 * @param errno the error name, e.g. {@code ENOMEM}
 */
public record Failure(String device, String action, String errno, String message) {}
