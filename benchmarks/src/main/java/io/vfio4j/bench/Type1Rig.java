package io.vfio4j.bench;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.host.HugePage;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import java.util.Map;

/**
 * A TYPE1v2 container (type1, or iommufd's compat container) on a simulated x86 host: one VMM
 * process with guest RAM of a chosen backing, optionally a passthrough device's IOMMU group and
 * optionally an mdev (emulated group with one registered device that may pin).
 */
final class Type1Rig {
    /** Where the VMM maps guest RAM: 1 TiB aligned, so 1 GiB pages fit. */
    static final long VADDR = 1L << 40;

    /** Where the guest RAM sits in IOVA space: above the x86 MSI window at 0xfee00000. */
    static final long IOVA = 1L << 32;

    /** How guest RAM is backed. */
    enum Backing {
        /** 4 KiB anonymous pages, physically contiguous in runs of the host's anonymousRunPages. */
        ANON,
        /** 2 MiB transparent huge pages. */
        THP,
        /** 1 GiB hugetlbfs pages. */
        HUGE_1G;

        RegionSpec region(long vaddr, long size) {
            return switch (this) {
                case ANON -> RegionSpec.anonymous(vaddr, size);
                case THP -> RegionSpec.thp(vaddr, size);
                case HUGE_1G -> RegionSpec.hugetlb(vaddr, size, HugePage.SIZE_1G);
            };
        }

        static Backing of(String name) {
            return switch (name) {
                case "4k" -> ANON;
                case "thp" -> THP;
                case "1g" -> HUGE_1G;
                default -> throw new IllegalArgumentException("backing " + name);
            };
        }
    }

    final SimHost host;
    final SimProcess vmm;
    final VfioIommuDriverOps ops;
    final long guestBytes;
    final long guestPages;
    final Handles.Group pciGroup;
    final Handles.Group mdevGroup;
    final Handles.Device mdev;
    private boolean mapped;

    /**
     * @param vm a number unique on the host: names the process, the hardware IOMMU group (if any)
     *     and the emulated group (10000 + vm)
     * @param withPci add a new hardware IOMMU group (a passthrough device) and attach it
     * @param withMdev attach an emulated group whose device registers for DMA-unmap notification
     */
    Type1Rig(
            SimHost host,
            int vm,
            boolean withPci,
            boolean withMdev,
            Backing backing,
            long guestBytes) {
        this("type1", host, vm, withPci, withMdev, backing, guestBytes);
    }

    /**
     * As above on the backend {@code backend} serving TYPE1v2 ({@code type1}, or {@code iommufd}
     * for its compat container).
     */
    Type1Rig(
            String backend,
            SimHost host,
            int vm,
            boolean withPci,
            boolean withMdev,
            Backing backing,
            long guestBytes) {
        this(
                backend,
                host,
                vmmWithRam(host, vm, backing, guestBytes),
                vm,
                withPci,
                withMdev,
                guestBytes);
    }

    /**
     * As above for a VMM process that already has its guest RAM at {@link #VADDR} ({@link
     * #vmmWithRam}): several containers of one process then pin the same frames.
     */
    Type1Rig(
            String backend,
            SimHost host,
            SimProcess vmm,
            int vm,
            boolean withPci,
            boolean withMdev,
            long guestBytes) {
        this.host = host;
        this.guestBytes = guestBytes;
        this.guestPages = guestBytes >>> host.pageShift();
        this.vmm = vmm;
        ops = BenchContext.open(backend, host, IommuType.TYPE1v2, Map.of());
        if (withPci) {
            SimIommuGroup hw = host.addIommuGroup(IommuGroupSpec.of(vm));
            pciGroup = Handles.Group.iommu(hw);
            ops.attachGroup(pciGroup);
        } else {
            pciGroup = null;
        }
        if (withMdev) {
            mdevGroup = Handles.Group.emulated(10_000 + vm);
            ops.attachGroup(mdevGroup);
            mdev = new Handles.Device("mdev-" + vm, mdevGroup);
            ops.registerDevice(mdev, (iova, length) -> {});
        } else {
            mdevGroup = null;
            mdev = null;
        }
    }

    /** A VMM process named after {@code vm}, no memlock limit, with guest RAM at {@link #VADDR}. */
    static SimProcess vmmWithRam(SimHost host, int vm, Backing backing, long guestBytes) {
        SimProcess vmm =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu-" + vm)
                                .memlockLimitBytes(Long.MAX_VALUE)
                                .build());
        vmm.mmap(backing.region(VADDR, guestBytes));
        return vmm;
    }

    /** A host with default settings (4 KiB pages, anonymous memory in 64-page runs). */
    static SimHost x86Host() {
        return SimHost.builder().build();
    }

    /** MAP_DMA of the whole guest RAM, read-write. */
    void map() {
        ops.execute(vmm, MapDma.rw(VADDR, IOVA, guestBytes));
        mapped = true;
    }

    /** UNMAP_DMA of the whole guest RAM. */
    void unmap() {
        ops.execute(vmm, UnmapDma.of(IOVA, guestBytes));
        mapped = false;
    }

    boolean isMapped() {
        return mapped;
    }

    /** IOVA of guest page {@code page}. */
    static long iova(long page) {
        return IOVA + (page << 12);
    }

    static final int RW = DmaProt.RW;
}
