package io.vfio4j.bench;

import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuGroup;
import java.util.Optional;

/** Group and device handles, as the runtime would pass them to a backend. */
final class Handles {
    private Handles() {}

    /** A VFIO group: a hardware IOMMU group or an emulated (mdev) group. */
    record Group(int id, GroupKind kind, Optional<IommuGroup> iommuGroup)
            implements VfioGroupHandle {
        static Group iommu(IommuGroup g) {
            return new Group(g.id(), GroupKind.IOMMU, Optional.of(g));
        }

        static Group emulated(int id) {
            return new Group(id, GroupKind.EMULATED, Optional.empty());
        }
    }

    /** A device, e.g. a vGPU named by its UUID. */
    record Device(String name, VfioGroupHandle group) implements VfioDeviceHandle {}
}
