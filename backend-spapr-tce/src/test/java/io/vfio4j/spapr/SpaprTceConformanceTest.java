package io.vfio4j.spapr;

import static io.vfio4j.tck.BackendCapability.DIRTY_TRACKING;
import static io.vfio4j.tck.BackendCapability.DMA_MAPPING;
import static io.vfio4j.tck.BackendCapability.DMA_WINDOWS;
import static io.vfio4j.tck.BackendCapability.GROUP_IOMMU;
import static io.vfio4j.tck.BackendCapability.MEMORY_REGISTRATION;
import static io.vfio4j.tck.BackendCapability.MULTI_GROUP;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.TckBackend;
import io.vfio4j.tck.TckPlatform;

/** The conformance kit against SPAPR TCE v2 on the PowerNV model. */
class SpaprTceConformanceTest extends IommuBackendConformanceTest {
    @Override
    public TckBackend backend() {
        return TckBackend.builder(new SpaprTceProvider(), IommuType.SPAPR_TCE_v2)
                .platform(TckPlatform.POWER_NV)
                .supports(GROUP_IOMMU, MULTI_GROUP, DMA_MAPPING, MEMORY_REGISTRATION, DMA_WINDOWS)
                // DIRTY_PAGES shares REGISTER_MEMORY's ioctl number, so a v2 container parses it
                // as a registration and refuses its fields (docs/reference/spapr-tce.md §6):
                // EINVAL, not ENOTTY.
                .refuses(DIRTY_TRACKING, Errno.EINVAL)
                .build();
    }
}
