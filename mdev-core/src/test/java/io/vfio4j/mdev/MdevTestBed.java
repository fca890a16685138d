package io.vfio4j.mdev;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.List;
import java.util.Map;

/**
 * One host with one passthrough group (7, device 0000:07:00.0), a fake pinning backend, a VMM
 * process with 64 MiB of guest RAM mapped at {@link #VADDR} (iova 0 once {@link #mapRam()} ran), a
 * container, an mdev bus and a registered parent 0000:65:00.0 with types tvgpu-small (4 instances)
 * and tvgpu-big (1 instance).
 */
final class MdevTestBed {
    static final long VADDR = 0x7f00_0000_0000L;
    static final long RAM = 64L << 20;
    static final String PARENT = "0000:65:00.0";
    static final String GPU = "0000:07:00.0";

    final SimHost host = SimHost.builder().build();
    final FakePinBackend backend = new FakePinBackend();
    final Vfio vfio;
    final SimProcess qemu;
    final VfioContainer container;
    final MdevBus bus;
    final TestVendor vendor;
    final MdevParent parent;
    final MdevType small;
    final MdevType big;

    MdevTestBed() {
        host.addIommuGroup(IommuGroupSpec.builder().id(7).devices(List.of(GPU)).build());
        vfio =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .addSource(new FixedBackends(backend))
                        .configuration(VfioConfiguration.of(Map.of()))
                        .build();
        qemu = host.spawnProcess(ProcessSpec.builder().name("qemu").memlockLimitBytes(RAM).build());
        qemu.mmap(RegionSpec.anonymous(VADDR, RAM));
        container = vfio.openContainer();
        bus = new MdevBus(vfio);
        vendor = new TestVendor(host.pageSize());
        parent =
                bus.registerParent(
                        PARENT,
                        vendor,
                        List.of(
                                new MdevTypeSpec("small", "a small test device", 4),
                                new MdevTypeSpec("big", "a big test device", 1)));
        small = parent.requireType("tvgpu-small");
        big = parent.requireType("tvgpu-big");
    }

    /** Starts the "VM": attaches the passthrough group, sets the IOMMU, maps the RAM at iova 0. */
    void startWithPassthrough() {
        vfio.group(7).setContainer(qemu, container);
        container.setIommu(IommuType.TYPE1v2);
        mapRam();
    }

    void mapRam() {
        container.ioctl(qemu, MapDma.rw(VADDR, 0, RAM));
    }

    long lockedVm() {
        return qemu.simAddressSpace().orElseThrow().lockedVm();
    }

    FakePinBackend.Ops ops() {
        return backend.last;
    }
}
