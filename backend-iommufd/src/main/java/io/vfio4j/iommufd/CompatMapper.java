package io.vfio4j.iommufd;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.Task;

/**
 * {@code VFIO_IOMMU_MAP_DMA} on the compat IOAS ({@code iommufd_vfio_map_dma}, then the map core of
 * io_pagetable.c {@code iopt_map_user_pages}): the checks in the kernel's order, then the area is
 * inserted and, with a domain, filled (docs/reference/iommufd.md §7 C7, §4.2 steps 5-10).
 */
final class CompatMapper {
    private final Ioas ioas;
    private final IommufdSettings settings;

    CompatMapper(Ioas ioas, IommufdSettings settings) {
        this.ioas = ioas;
        this.settings = settings;
    }

    /** Checks done before the IOAS is looked at (argsz, flags): no lock needed. */
    static void checkArguments(MapDma cmd) {
        if (cmd.argsz() < MapDma.MIN_ARGSZ) {
            throw VfioException.of(
                    Errno.EINVAL, "MAP_DMA argsz %d below %d", cmd.argsz(), MapDma.MIN_ARGSZ);
        }
        if ((cmd.flags() & ~(MapDma.READ | MapDma.WRITE)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA flags 0x%x: the compat container knows only READ and WRITE (no VADDR)",
                    cmd.flags());
        }
        // The kernel hands a mapping without permission to the IOMMU driver (not verified per
        // driver); vfio4j refuses it as type1 does: docs/deviations.md IOMMUFD-3.
        if ((cmd.flags() & (MapDma.READ | MapDma.WRITE)) == 0) {
            throw VfioException.of(Errno.EINVAL, "MAP_DMA without READ or WRITE");
        }
    }

    void map(Task caller, MapDma cmd) {
        long p = ioas.pageSize;
        long vaddr = cmd.vaddr();
        long iova = cmd.iova();
        long size = cmd.size();
        if (size != 0 && Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "vaddr 0x%x + size 0x%x wraps", vaddr, size);
        }
        if (size == 0 || Long.compareUnsigned(size, -1L - p) > 0) {
            throw VfioException.of(Errno.EINVAL, "MAP_DMA size 0x%x", size);
        }
        long align = ioas.alignment();
        if (Long.remainderUnsigned(size, align) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "size 0x%x is not a multiple of the alignment 0x%x", size, align);
        }
        if (Long.remainderUnsigned(iova, align) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "iova 0x%x is not a multiple of the alignment 0x%x", iova, align);
        }
        long last = iova + size - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "iova 0x%x + size 0x%x wraps", iova, size);
        }
        if (ioas.isReserved(iova, last)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "[0x%x, 0x%x] meets a reserved range or lies outside the aperture",
                    iova,
                    last);
        }
        Area overlap = ioas.firstIntersecting(iova, last);
        if (overlap != null) {
            throw VfioException.of(Errno.EEXIST, "[0x%x, 0x%x] overlaps %s", iova, last, overlap);
        }
        if (Long.remainderUnsigned(Long.remainderUnsigned(vaddr, p), align) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "vaddr 0x%x: its offset in the page is not a multiple of 0x%x",
                    vaddr,
                    align);
        }
        AddressSpace space =
                caller.addressSpace()
                        .orElseThrow(
                                () ->
                                        VfioException.of(
                                                Errno.EFAULT,
                                                "process %d has no address space",
                                                caller.pid()));
        IoptPages pages =
                new IoptPages(
                        ioas.host,
                        vaddr,
                        size,
                        (cmd.flags() & MapDma.WRITE) != 0,
                        space,
                        caller.user(),
                        caller.memlockLimitPages(p),
                        mode(caller),
                        settings.deviceMemory());
        int prot = 0;
        if ((cmd.flags() & MapDma.READ) != 0) {
            prot |= DmaProt.READ;
        }
        if ((cmd.flags() & MapDma.WRITE) != 0) {
            prot |= DmaProt.WRITE;
        }
        Area area = new Area(iova, size, vaddr, prot, pages);
        try {
            ioas.insert(area);
        } catch (RuntimeException e) {
            space.release();
            throw e;
        }
    }

    /** A2: CAP_IPC_LOCK at map time → nothing charged; else the context's mode. */
    private IoptPages.Mode mode(Task caller) {
        if (caller.capIpcLock()) {
            return IoptPages.Mode.NONE;
        }
        return settings.accounting() == IommufdSettings.Accounting.USER
                ? IoptPages.Mode.USER
                : IoptPages.Mode.MM;
    }
}
