package io.vfio4j.examples.iommufd;

import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.Map;

/** The example of docs/iommufd.md: a VMM on /dev/iommu maps, attaches, copies and detaches. */
public final class NativeIommuExample {
    static final long GUEST_RAM_VADDR = 0x7f00_0000_0000L;
    static final long GUEST_RAM = 64L << 20;

    /** The uid's locked_vm (ulv) and the process's pinned_vm (pv), in pages, step by step. */
    public record Result(
            long ulvAfterMap,
            long ulvAfterAttach,
            long pvAfterAttach,
            long ulvAfterCopy,
            long ulvAfterDetach,
            long mappingsAfterDetach) {}

    private NativeIommuExample() {}

    public static Result run() {
        SimHost host = SimHost.builder().build();
        host.addIommuGroup(IommuGroupSpec.of(1));
        SimProcess qemu =
                host.spawnProcess(
                        ProcessSpec.builder().name("qemu").memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(GUEST_RAM_VADDR, GUEST_RAM));
        VfioConfiguration checked =
                VfioConfiguration.of(Map.of(VfioConfiguration.CHECK_INVARIANTS, "true"));
        try (Vfio vfio = Vfio.builder().host(host).configuration(checked).build()) {
            IommuContext iommufd = vfio.openIommuContext(); // open("/dev/iommu")
            int ioas = iommufd.ioasAlloc();
            iommufd.ioasMap(qemu, IoasMap.fixed(ioas, GUEST_RAM_VADDR, 0, GUEST_RAM));
            long ulvAfterMap = qemu.user().lockedVm(); // no domain yet: nothing pinned

            int dev = iommufd.bind(host.iommuGroup(1).orElseThrow().devices().get(0));
            iommufd.attach(dev, ioas); // an automatic HWPT: every area is pinned now
            long ulvAfterAttach = qemu.user().lockedVm();
            long pvAfterAttach = qemu.simAddressSpace().orElseThrow().pinnedVm();

            int second = iommufd.ioasAlloc();
            iommufd.ioasCopy(
                    qemu,
                    new IoasCopy(
                            second, ioas, IoasMap.FIXED_IOVA | IoasMap.RW, GUEST_RAM, 0, 1L << 32));
            long ulvAfterCopy = qemu.user().lockedVm(); // shared pages: charged once

            iommufd.detach(dev); // the last domain goes: unpinned, the mappings stay
            return new Result(
                    ulvAfterMap,
                    ulvAfterAttach,
                    pvAfterAttach,
                    ulvAfterCopy,
                    qemu.user().lockedVm(),
                    iommufd.state().mappings());
        }
    }
}
