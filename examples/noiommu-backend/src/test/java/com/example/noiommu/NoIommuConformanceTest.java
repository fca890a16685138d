package com.example.noiommu;

import io.vfio4j.api.IommuType;
import io.vfio4j.tck.BackendCapability;
import io.vfio4j.tck.IommuBackendConformanceTest;
import io.vfio4j.tck.TckBackend;

/**
 * The whole conformance kit. No-IOMMU groups, several per container, and nothing else: every other
 * capability is checked for its refusal (ENOTTY for commands, EINVAL for other group kinds).
 */
class NoIommuConformanceTest extends IommuBackendConformanceTest {
    @Override
    public TckBackend backend() {
        return TckBackend.builder(new NoIommuProvider(), IommuType.NOIOMMU)
                .supports(BackendCapability.GROUP_NO_IOMMU, BackendCapability.MULTI_GROUP)
                .build();
    }
}
