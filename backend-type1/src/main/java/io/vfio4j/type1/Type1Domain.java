package io.vfio4j.type1;

import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * One hardware domain and the IOMMU-backed groups attached to it (the kernel's {@code
 * vfio_domain}).
 */
final class Type1Domain {
    final IommuDomain hw;
    final List<VfioGroupHandle> groups = new ArrayList<>();

    Type1Domain(IommuDomain hw) {
        this.hw = hw;
    }

    /** Same IOMMU driver and the same cache-coherency enforcement: may share a domain. */
    boolean compatibleWith(IommuDomain other) {
        return hw.driver().equals(other.driver())
                && hw.enforceCacheCoherency() == other.enforceCacheCoherency();
    }
}
