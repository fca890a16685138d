package io.vfio4j.iommufd;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
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
        int prot = 0;
        if ((cmd.flags() & MapDma.READ) != 0) {
            prot |= DmaProt.READ;
        }
        if ((cmd.flags() & MapDma.WRITE) != 0) {
            prot |= DmaProt.WRITE;
        }
        MapCore.map(
                ioas,
                settings,
                caller,
                cmd.vaddr(),
                cmd.size(),
                cmd.iova(),
                true,
                prot,
                mode(caller));
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
