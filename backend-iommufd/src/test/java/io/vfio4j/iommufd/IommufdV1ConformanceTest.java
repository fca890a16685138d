package io.vfio4j.iommufd;

import static io.vfio4j.tck.BackendCapability.DMA_MAPPING;
import static io.vfio4j.tck.BackendCapability.DMA_RW;
import static io.vfio4j.tck.BackendCapability.DMA_UNMAP_NOTIFICATION;
import static io.vfio4j.tck.BackendCapability.EXTERNAL_PINNING;
import static io.vfio4j.tck.BackendCapability.GROUP_EMULATED;
import static io.vfio4j.tck.BackendCapability.GROUP_IOMMU;
import static io.vfio4j.tck.BackendCapability.IOMMU_INFO;
import static io.vfio4j.tck.BackendCapability.MULTI_GROUP;
import static io.vfio4j.tck.BackendCapability.TYPE1_MAPPING;

import io.vfio4j.api.IommuType;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.TckBackend;

/**
 * The kit against the compat container as TYPE1 (v1): unlike type1 v1 it pins for mdevs (C13) and
 * its unmap punches holes at page granularity (C9).
 */
class IommufdV1ConformanceTest extends IommuBackendConformanceTest {
    @Override
    public TckBackend backend() {
        return TckBackend.builder(new IommufdProvider(), IommuType.TYPE1)
                .supports(
                        GROUP_IOMMU,
                        GROUP_EMULATED,
                        MULTI_GROUP,
                        DMA_MAPPING,
                        TYPE1_MAPPING,
                        IOMMU_INFO,
                        EXTERNAL_PINNING,
                        DMA_UNMAP_NOTIFICATION,
                        DMA_RW)
                .mappingRules(IommufdRules.COMPAT_V1)
                .build();
    }
}
