package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostUser;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.iommufd.NativeObjects.IoasObj;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_CHANGE_PROCESS of a native context (ioas.c {@code
 * iommufd_ioas_map_file}, {@code iommufd_ioas_change_process}; io_pagetable.c {@code
 * iopt_map_file_pages}; pages.c {@code iopt_alloc_file_pages}, Linux 6.17):
 * docs/reference/iommufd.md §4.3 and §3 A12. The caller holds the context's monitor.
 */
final class NativeFiles {
    private NativeFiles() {}

    /** §4.3: MAP's flag, overflow and permission checks, EBADF, then the map core by offset. */
    static long mapFile(
            NativeObjects objects,
            IommufdSettings settings,
            Task caller,
            IoasMapFile cmd,
            IoptPages.Mode mode) {
        IommufdNative.checkMapFlags(cmd.flags(), 0);
        if (cmd.iova() == -1L || cmd.length() == -1L) {
            throw VfioException.of(Errno.EOVERFLOW, "IOAS_MAP_FILE iova or length is 2^64 - 1");
        }
        int prot = IommufdNative.prot(cmd.flags());
        Ioas ioas = objects.ioas(cmd.ioasId());
        if (cmd.file() == null) {
            throw VfioException.of(Errno.EBADF, "IOAS_MAP_FILE of a closed descriptor");
        }
        // iopt_map_file_pages: start + length - 1 must not wrap (length 0 wraps unless start is 0).
        if (Long.compareUnsigned(cmd.start() + cmd.length() - 1, cmd.start()) < 0
                && !(cmd.length() == 0 && cmd.start() == 0)) {
            throw VfioException.of(
                    Errno.EOVERFLOW, "start 0x%x + length 0x%x wraps", cmd.start(), cmd.length());
        }
        return MapCore.map(
                ioas,
                settings,
                caller,
                cmd.start(),
                cmd.length(),
                cmd.iova(),
                (cmd.flags() & IoasMap.FIXED_IOVA) != 0,
                prot,
                mode,
                cmd.file());
    }

    /**
     * A12: every area of every IOAS must come from MAP_FILE (EINVAL, nothing changed); the pinned
     * pages of every owner other than the caller are charged to the caller first, per mode, with
     * its RLIMIT (ENOMEM: nothing changed), then un-charged from their old owner; every pages
     * object then belongs to the caller.
     */
    static void changeProcess(NativeObjects objects, Task caller, int reserved) {
        if (reserved != 0) {
            throw VfioException.of(Errno.EOPNOTSUPP, "CHANGE_PROCESS __reserved %d", reserved);
        }
        Set<IoptPages> all = new LinkedHashSet<>();
        for (NativeObjects.Obj o : objects.table.values()) {
            if (o instanceof IoasObj io) {
                for (Area a : io.ioas().areas.values()) {
                    if (a.pages.file == null) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "%s maps user memory, not a file: CHANGE_PROCESS needs MAP_FILE"
                                        + " mappings only",
                                a);
                    }
                    all.add(a.pages);
                }
            }
        }
        if (all.isEmpty()) {
            return;
        }
        AddressSpace to = MapCore.addressSpaceOf(caller);
        HostUser toUser = caller.user();
        long limit = caller.memlockLimitPages(all.iterator().next().pageSize());
        List<IoptPages> moving = new ArrayList<>();
        Map<IoptPages.Mode, Long> perMode = new EnumMap<>(IoptPages.Mode.class);
        for (IoptPages p : all) {
            if (needsUpdate(p, to, toUser)) {
                moving.add(p);
                perMode.merge(p.mode, p.charged(), Long::sum);
            }
        }
        List<IoptPages.Mode> done = new ArrayList<>();
        try {
            for (Map.Entry<IoptPages.Mode, Long> e : perMode.entrySet()) {
                IoptPages.chargeTo(e.getKey(), to, toUser, limit, e.getValue());
                done.add(e.getKey());
            }
        } catch (VfioException e) {
            for (IoptPages.Mode m : done) {
                IoptPages.unchargeFrom(m, to, toUser, perMode.get(m));
            }
            throw e;
        }
        for (IoptPages p : moving) {
            p.unchargeOwner();
        }
        for (IoptPages p : all) {
            p.changeOwner(to, toUser, limit);
        }
    }

    /** The kernel's {@code need_charge_update}, with NONE moved too (docs/deviations.md). */
    private static boolean needsUpdate(IoptPages p, AddressSpace to, HostUser toUser) {
        return switch (p.mode) {
            case MM, NONE -> p.space != to;
            case USER -> p.space != to || p.user != toUser;
        };
    }
}
