package io.vfio4j.examples.drivers;

/**
 * A DMA the IOMMU refused, as the hardware would report it in its fault log.
 *
 * @param device the PCI address of the device that issued the DMA
 * @param iova the first IOVA that did not translate
 * @param write true for a device write to memory
 * @param reason why: no domain, not mapped, or no permission
 */
public record DmaFault(String device, long iova, boolean write, String reason) {
    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "DMA fault: %s %s at iova 0x%x: %s",
                device,
                write ? "write" : "read",
                iova,
                reason);
    }
}
