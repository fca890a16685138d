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
import static io.vfio4j.tck.BackendCapability.V2_UNMAP_SEMANTICS;

import io.vfio4j.api.IommuType;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.TckBackend;

/**
 * The conformance kit against iommufd's compat container as TYPE1v2, with the differences from
 * type1 that docs/deviations.md lists as deliberate (ENOENT for holes and bisecting unmaps, a walk
 * that is not atomic, exact-range unpin).
 */
class IommufdConformanceTest extends IommuBackendConformanceTest {
    @Override
    public TckBackend backend() {
        return TckBackend.builder(new IommufdProvider(), IommuType.TYPE1v2)
                .supports(
                        GROUP_IOMMU,
                        GROUP_EMULATED,
                        MULTI_GROUP,
                        DMA_MAPPING,
                        TYPE1_MAPPING,
                        V2_UNMAP_SEMANTICS,
                        IOMMU_INFO,
                        EXTERNAL_PINNING,
                        DMA_UNMAP_NOTIFICATION,
                        DMA_RW)
                .mappingRules(IommufdRules.COMPAT)
                .build();
    }
}
