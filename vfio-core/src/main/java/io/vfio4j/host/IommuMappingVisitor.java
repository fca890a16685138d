package io.vfio4j.host;

/** Receives the mappings of a {@link SimIommuDomain} in unsigned IOVA order. */
@FunctionalInterface
public interface IommuMappingVisitor {
    /**
     * @param iova first I/O virtual address of the mapping
     * @param pfn first host frame it maps to
     * @param pages host pages mapped
     * @param prot {@link io.vfio4j.api.DmaProt} bits
     */
    void visit(long iova, long pfn, long pages, int prot);
}
