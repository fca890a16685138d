/**
 * The SPAPR TCE IOMMU backend (VFIO_SPAPR_TCE_IOMMU and VFIO_SPAPR_TCE_v2_IOMMU): TCE tables in DMA
 * windows programmed into POWER partitionable endpoints, and (v2) preregistered memory.
 */
package io.vfio4j.spapr;
