package io.vfio4j.bench;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.util.Map;

/**
 * A SPAPR TCE v2 container on a simulated POWER host (64 KiB pages): one PowerNV IODA2 group, a VMM
 * process whose guest RAM (anonymous memory) is preregistered.
 */
final class SpaprRig {
    static final long VADDR = 1L << 40;

    final SimHost host;
    final SimProcess vmm;
    final VfioIommuDriverOps ops;
    final long guestBytes;

    SpaprRig(long guestBytes) {
        this.guestBytes = guestBytes;
        host = SimHost.builder().platform(Platform.POWER).build();
        vmm =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu")
                                .memlockLimitBytes(Long.MAX_VALUE)
                                .build());
        vmm.mmap(RegionSpec.anonymous(VADDR, guestBytes));
        ops = BenchContext.open("spapr-tce", host, IommuType.SPAPR_TCE_v2, Map.of());
        ops.attachGroup(
                Handles.Group.iommu(
                        host.addIommuGroup(
                                IommuGroupSpec.builder()
                                        .id(1)
                                        .driver("powernv")
                                        .tceTableGroup(PowerNvTableGroup.ioda2())
                                        .build())));
        ops.execute(vmm, SpaprRegisterMemory.of(VADDR, guestBytes));
    }

    /** TCE_CREATE: a window of {@code 2^pageShift}-byte IOMMU pages; returns its bus address. */
    long create(int pageShift, long windowSize, int levels) {
        return ops.execute(vmm, SpaprTceCreate.of(pageShift, windowSize, levels));
    }

    void remove(long busStart) {
        ops.execute(vmm, SpaprTceRemove.of(busStart));
    }

    void map(long vaddr, long iova, long size) {
        ops.execute(vmm, MapDma.rw(vaddr, iova, size));
    }

    void unmap(long iova, long size) {
        ops.execute(vmm, UnmapDma.of(iova, size));
    }
}
