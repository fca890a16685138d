package io.vfio4j.spapr;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.host.PinnedRun;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.host.TceTableGroup;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What enables a container: v1 ENABLE/DISABLE (the whole default window charged up front) and v2
 * REGISTER_MEMORY/UNREGISTER_MEMORY (the kernel's {@code mm_iommu_*} preregistered regions, shared
 * by the containers of one address space through its {@link PreregRegistry}).
 */
final class Preregistration {
    private static final Logger LOG = LoggerFactory.getLogger(Preregistration.class);

    private final SpaprState st;

    Preregistration(SpaprState st) {
        this.st = st;
    }

    void enable(Task caller) {
        synchronized (st.lock) {
            if (st.enabled) {
                throw new VfioException(Errno.EBUSY, "ENABLE: the container is already enabled");
            }
            if (st.groups.isEmpty()) {
                throw new VfioException(Errno.ENODEV, "ENABLE: no group attached");
            }
            TceTableGroup tg = st.firstTableGroup();
            if (tg.tce32Size() == 0) {
                throw new VfioException(
                        Errno.EPERM, "ENABLE: the group has no default 32-bit window");
            }
            st.mmSet(caller);
            long pages = tg.tce32Size() >>> st.pageShift;
            // v1 accounts the whole default window here, whatever gets mapped later.
            st.charge(caller, pages, "ENABLE: the default window");
            st.lockedPages = pages;
            st.enabled = true;
        }
    }

    void disable() {
        synchronized (st.lock) {
            if (!st.enabled) {
                return;
            }
            st.enabled = false;
            st.mm.uncharge(st.lockedPages);
            st.lockedPages = 0;
        }
    }

    void register(Task caller, int argsz, int flags, long vaddr, long size) {
        synchronized (st.lock) {
            st.mmSet(caller);
            if (argsz < SpaprRegisterMemory.MIN_ARGSZ) {
                throw SpaprState.argsz("REGISTER_MEMORY", argsz, SpaprRegisterMemory.MIN_ARGSZ);
            }
            if (flags != 0) {
                throw VfioException.of(
                        Errno.EINVAL, "REGISTER_MEMORY: flags 0x%x: none are defined", flags);
            }
            checkRegionArgs("REGISTER_MEMORY", vaddr, size);
            long entries = size >>> st.pageShift;
            synchronized (st.registry) {
                PreregRegion existing = st.registry.findExact(vaddr, entries);
                if (existing != null) {
                    if (st.preregs.contains(existing)) {
                        throw VfioException.of(
                                Errno.EBUSY,
                                "REGISTER_MEMORY: [0x%x, +0x%x) is already registered "
                                        + "by this container",
                                vaddr,
                                size);
                    }
                    // Another container of the process registered it: share it, charge nothing.
                    existing.addUser();
                    st.preregs.add(existing);
                    st.enabled = true;
                    return;
                }
                if (entries == 0) {
                    throw new VfioException(
                            Errno.ENOMEM,
                            "REGISTER_MEMORY: a zero-size region cannot be allocated");
                }
                PreregRegion region = newRegion(caller, vaddr, size, entries);
                st.registry.add(region);
                st.preregs.add(region);
                st.enabled = true;
                LOG.debug("registered {} for address space {}", region, st.mm.id());
            }
        }
    }

    /** {@code mm_iommu_do_alloc}: charge, pin every page writable, refuse an overlap. */
    private PreregRegion newRegion(Task caller, long vaddr, long size, long entries) {
        if (st.era.before51()) {
            // ≤5.0 (mm_iommu_get) looks for an overlap before charging or pinning anything.
            refuseOverlap(vaddr, size);
        }
        st.charge(caller, entries, "REGISTER_MEMORY");
        List<PinnedRun> runs = new ArrayList<>();
        try {
            st.host.allocation("spapr-tce: preregistered region");
            long done = 0;
            while (done < entries) {
                PinnedRun run = pinForRegion(vaddr + (done << st.pageShift), entries - done);
                runs.add(run);
                done += run.pages();
            }
            refuseOverlap(vaddr, size);
            return new PreregRegion(vaddr, entries, st.pageShift, runs);
        } catch (VfioException e) {
            for (PinnedRun r : runs) {
                st.host.memory().unpin(r.pfn(), r.pages(), false);
            }
            st.mm.uncharge(entries);
            throw e;
        }
    }

    private void refuseOverlap(long vaddr, long size) {
        if (st.registry.overlaps(vaddr, size)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "REGISTER_MEMORY: [0x%x, +0x%x) overlaps a registered region",
                    vaddr,
                    size);
        }
    }

    private PinnedRun pinForRegion(long va, long maxPages) {
        PinnedRun run;
        try {
            run = st.mm.pinRun(va, maxPages, true);
        } catch (VfioException e) {
            // Q5: a page that cannot be pinned fails the whole registration with EFAULT.
            throw new VfioException(
                    Errno.EFAULT,
                    "REGISTER_MEMORY: cannot pin 0x"
                            + Long.toHexString(va)
                            + " writable ("
                            + st.era.q("S-Q5", "may return the count pinned so far")
                            + "): "
                            + e.getMessage(),
                    e);
        }
        if (run.reserved()) {
            throw VfioException.of(
                    Errno.EFAULT,
                    "REGISTER_MEMORY: 0x%x is device memory without page structs (%s)",
                    va,
                    st.era.q("S-Q5", "may return the count pinned so far"));
        }
        return run;
    }

    void unregister(SpaprUnregisterMemory u) {
        synchronized (st.lock) {
            if (st.mm == null) {
                throw new VfioException(
                        Errno.EPERM,
                        "UNREGISTER_MEMORY: nothing was ever registered here "
                                + "(no address space cached)");
            }
            if (u.argsz() < SpaprUnregisterMemory.MIN_ARGSZ) {
                throw SpaprState.argsz(u.ioctlName(), u.argsz(), SpaprUnregisterMemory.MIN_ARGSZ);
            }
            if (u.flags() != 0) {
                throw VfioException.of(
                        Errno.EINVAL, "UNREGISTER_MEMORY: flags 0x%x: none are defined", u.flags());
            }
            checkRegionArgs("UNREGISTER_MEMORY", u.vaddr(), u.size());
            synchronized (st.registry) {
                PreregRegion region = st.registry.findExact(u.vaddr(), u.size() >>> st.pageShift);
                if (region == null || !st.preregs.contains(region)) {
                    throw VfioException.of(
                            Errno.ENOENT,
                            "UNREGISTER_MEMORY: this container has no region that is "
                                    + "exactly [0x%x, +0x%x)",
                            u.vaddr(),
                            u.size());
                }
                if (region.used() == 1 && region.mapped() > 1) {
                    // Q4: the ≤5.0 rule, kept from 5.1 on (where the kernel returns 0 and
                    // orphans the region) as the reference recommends.
                    throw VfioException.of(
                            Errno.EBUSY,
                            "UNREGISTER_MEMORY: %d TCEs or pins still use %s (%s)",
                            region.mapped() - 1,
                            region,
                            st.era.q("S-Q4", "returns 0 and orphans the region"));
                }
                st.preregs.remove(region);
                dropRegionReference(region);
            }
        }
    }

    private void checkRegionArgs(String op, long vaddr, long size) {
        if (((vaddr | size) & (st.pageSize - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: vaddr 0x%x or size 0x%x is not a multiple of the 0x%x-byte page",
                    op,
                    vaddr,
                    size,
                    st.pageSize);
        }
        if (Long.compareUnsigned(vaddr + size, vaddr) < 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: [0x%x, +0x%x) wraps around the address space",
                    op,
                    vaddr,
                    size);
        }
    }

    /** Drops one container reference (registry lock held); frees the region if it was the last. */
    void dropRegionReference(PreregRegion region) {
        if (region.dropUser() == 0) {
            if (region.mapped() == 1) {
                st.freeRegion(region);
            } else {
                // Only reachable at release when another container maps from this region: the
                // kernel warns and keeps it (tce_iommu_release: WARN_ON(tce_iommu_prereg_free));
                // we free it when its last TCE goes.
                st.events.kernelWarn(
                        region
                                + " has no user left but is still mapped; freed when its last TCE is cleared");
            }
        }
    }
}
