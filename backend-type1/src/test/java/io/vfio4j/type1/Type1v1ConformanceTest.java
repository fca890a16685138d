package io.vfio4j.type1;

import static io.vfio4j.tck.BackendCapability.DIRTY_TRACKING;
import static io.vfio4j.tck.BackendCapability.DMA_MAPPING;
import static io.vfio4j.tck.BackendCapability.DMA_RW;
import static io.vfio4j.tck.BackendCapability.EXTERNAL_PINNING;
import static io.vfio4j.tck.BackendCapability.GROUP_EMULATED;
import static io.vfio4j.tck.BackendCapability.GROUP_IOMMU;
import static io.vfio4j.tck.BackendCapability.IOMMU_INFO;
import static io.vfio4j.tck.BackendCapability.MULTI_GROUP;
import static io.vfio4j.tck.BackendCapability.TYPE1_MAPPING;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.TckBackend;

/** The kit against type1 v1: pinning and dirty tracking are declared unsupported (EACCES). */
class Type1v1ConformanceTest extends IommuBackendConformanceTest {
    @Override
    public TckBackend backend() {
        return TckBackend.builder(new Type1Provider(), IommuType.TYPE1)
                .supports(
                        GROUP_IOMMU,
                        GROUP_EMULATED,
                        MULTI_GROUP,
                        DMA_MAPPING,
                        TYPE1_MAPPING,
                        IOMMU_INFO,
                        DMA_RW)
                .refuses(EXTERNAL_PINNING, Errno.EACCES)
                .refuses(DIRTY_TRACKING, Errno.EACCES)
                .unpinIgnoredWhenUnsupported()
                .build();
    }
}
