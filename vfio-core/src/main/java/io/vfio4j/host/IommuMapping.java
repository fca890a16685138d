package io.vfio4j.host;

import io.vfio4j.api.DmaProt;

/**
 * One IOMMU page-table entry run of a {@link SimIommuDomain}: {@code pages} host pages from {@code
 * iova} to the frames from {@code pfn}.
 */
public record IommuMapping(long iova, long pfn, long pages, int prot) {
    /** The last IOVA covered (inclusive), given the host page shift. */
    public long lastIova(int pageShift) {
        return iova + (pages << pageShift) - 1;
    }

    @Override
    public String toString() {
        return "iova 0x"
                + Long.toHexString(iova)
                + " -> pfn 0x"
                + Long.toHexString(pfn)
                + " x"
                + pages
                + " "
                + DmaProt.toString(prot);
    }
}
