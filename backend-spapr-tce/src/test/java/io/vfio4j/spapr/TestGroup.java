package io.vfio4j.spapr;

import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuGroup;
import java.util.Optional;

/** A VFIO group handle: an IOMMU group of the simulated host, or an emulated (mdev) group. */
record TestGroup(int id, GroupKind kind, Optional<IommuGroup> iommuGroup)
        implements VfioGroupHandle {
    static TestGroup iommu(IommuGroup group) {
        return new TestGroup(group.id(), GroupKind.IOMMU, Optional.of(group));
    }

    static TestGroup emulated(int id) {
        return new TestGroup(id, GroupKind.EMULATED, Optional.empty());
    }
}
