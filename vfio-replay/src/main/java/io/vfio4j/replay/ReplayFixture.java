package io.vfio4j.replay;

import io.vfio4j.api.GroupKind;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.Task;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.HugePage;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The simulated host, VMM process and container a trace is replayed on, built through the public
 * runtime ({@link Vfio}) with whatever backend serves the asked IOMMU type.
 */
final class ReplayFixture implements AutoCloseable {
    /** Host addresses for maps the trace gives none for: far above any real block. */
    static final long SYNTHETIC_BASE = 1L << 62;

    /** The synthetic region's size; a map's address there is its IOVA modulo half of it. */
    static final long SYNTHETIC_SIZE = 1L << 47;

    private final ReplayOptions options;
    private final SimHost host;
    private final SimProcess vmm;
    private final Vfio vfio;
    private final VfioContainer container;
    private final Set<Integer> attached = new HashSet<>();

    /**
     * @throws ReplayInputException if a block cannot be placed in the simulated address space
     */
    ReplayFixture(
            ReplayOptions options, MemoryLayout layout, boolean synthetic, RuntimeFactory runtime)
            throws ReplayInputException {
        this.options = options;
        this.host = SimHost.builder().pageSize(options.hostPageSize()).build();
        this.vmm =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu")
                                .memlockLimitBytes(options.memlockBytes().orElse(Task.UNLIMITED))
                                .capIpcLock(options.capIpcLock())
                                .build());
        for (MemoryBlock b : layout.blocks()) {
            try {
                vmm.mmap(region(b));
            } catch (IllegalArgumentException e) {
                throw new ReplayInputException(
                        "memory block " + b.name() + " cannot be modelled: " + e.getMessage());
            }
        }
        if (synthetic) {
            vmm.mmap(RegionSpec.anonymous(SYNTHETIC_BASE, SYNTHETIC_SIZE));
        }
        Map<String, String> config = new HashMap<>();
        config.put(VfioConfiguration.CHECK_INVARIANTS, Boolean.toString(options.checkInvariants()));
        options.dmaEntryLimit()
                .ifPresent(
                        n ->
                                config.put(
                                        VfioConfiguration.BACKEND_PREFIX
                                                + options.backend().orElse("type1")
                                                + ".dma-entry-limit",
                                        Long.toString(n)));
        this.vfio = runtime.create(host, config);
        this.container = vfio.openContainer();
    }

    private RegionSpec region(MemoryBlock b) {
        if (b.kind() == MemoryBlock.Kind.DEVICE) {
            return RegionSpec.device(b.hva(), b.size());
        }
        if (b.pageSize() == HugePage.SIZE_2M.bytes() && b.pageSize() > options.hostPageSize()) {
            return RegionSpec.hugetlb(b.hva(), b.size(), HugePage.SIZE_2M);
        }
        if (b.pageSize() == HugePage.SIZE_1G.bytes()) {
            return RegionSpec.hugetlb(b.hva(), b.size(), HugePage.SIZE_1G);
        }
        return RegionSpec.anonymous(b.hva(), b.size());
    }

    /** A host address for a map the trace names none for. */
    static long syntheticVaddr(long iova, long size) {
        long half = SYNTHETIC_SIZE / 2;
        return Long.compareUnsigned(size, half) > 0
                ? SYNTHETIC_BASE
                : SYNTHETIC_BASE + (iova & (half - 1));
    }

    /**
     * Attaches group {@code id} (a passthrough IOMMU group, or an mdev's emulated group) and sets
     * the IOMMU with the first group. A group attached already is left as it is.
     *
     * @return whether the group was attached now
     * @throws io.vfio4j.api.VfioException as VFIO_GROUP_SET_CONTAINER or VFIO_SET_IOMMU
     */
    boolean attach(int id) {
        if (!attached.add(id)) {
            return false;
        }
        VfioGroup g;
        if (options.passthrough()) {
            if (host.iommuGroup(id).isEmpty()) {
                long end = options.iovaBits() == 64 ? -1L : (1L << options.iovaBits()) - 1;
                host.addIommuGroup(
                        IommuGroupSpec.builder().id(id).aperture(new IovaRange(0, end)).build());
            }
            g = vfio.group(id);
        } else {
            g =
                    vfio.createVirtualGroup(
                            GroupKind.EMULATED, "mdev-" + id, VfioDeviceDriver.PASSTHROUGH);
        }
        boolean first = container.groups().isEmpty();
        g.setContainer(vmm, container);
        if (first) {
            if (options.backend().isPresent()) {
                container.setIommu(options.backend().get(), options.iommu());
            } else {
                container.setIommu(options.iommu());
            }
        }
        return true;
    }

    boolean anyAttached() {
        return !attached.isEmpty();
    }

    VfioContainer container() {
        return container;
    }

    SimProcess vmm() {
        return vmm;
    }

    long lockedVm() {
        SimAddressSpace mm = vmm.simAddressSpace().orElseThrow();
        return mm.lockedVm();
    }

    /** The VMM's pinned_vm (VmPin), which iommufd charges next to locked_vm. */
    long pinnedVm() {
        return vmm.simAddressSpace().orElseThrow().pinnedVm();
    }

    /** The locked_vm of the VMM's user, which iommufd charges with per-user accounting. */
    long userLockedVm() {
        return vmm.user().lockedVm();
    }

    @Override
    public void close() {
        vfio.close();
    }
}
