package io.vfio4j.tck;

import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.power.PowerNvTableGroup;

/** The simulated host a conformance test runs on. */
public enum TckPlatform {
    /** x86-64: 4 KiB pages, Intel IOMMU groups with the MSI window reserved. */
    X86 {
        @Override
        SimHost newHost() {
            return SimHost.builder().platform(Platform.X86).build();
        }

        @Override
        IommuGroupSpec group(int id) {
            return IommuGroupSpec.of(id);
        }
    },
    /** PowerNV: 64 KiB pages, IODA2 groups with TCE tables and two DMA window slots. */
    POWER_NV {
        @Override
        SimHost newHost() {
            return SimHost.builder().platform(Platform.POWER).build();
        }

        @Override
        IommuGroupSpec group(int id) {
            return IommuGroupSpec.builder()
                    .id(id)
                    .driver("powernv")
                    .reservedRegions(java.util.List.of())
                    .tceTableGroup(PowerNvTableGroup.ioda2())
                    .build();
        }
    };

    abstract SimHost newHost();

    abstract IommuGroupSpec group(int id);
}
