package io.vfio4j.type1;

import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuGroup;
import java.util.Optional;

/** A group handle as the core would hand it to the backend. */
record TestGroup(int id, GroupKind kind, Optional<IommuGroup> iommuGroup)
        implements VfioGroupHandle {
    static TestGroup iommu(IommuGroup g) {
        return new TestGroup(g.id(), GroupKind.IOMMU, Optional.of(g));
    }

    static TestGroup emulated(int id) {
        return new TestGroup(id, GroupKind.EMULATED, Optional.empty());
    }
}
