package io.vfio4j.type1;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.Task;

/**
 * MAP_DMA (docs/reference/type1-mdev.md §2.2), including the VADDR update (§2.5). The checks after
 * the lock run here, in the kernel's order; the caller holds the container lock.
 */
final class DmaMapper {
    private final Type1State st;

    DmaMapper(Type1State st) {
        this.st = st;
    }

    /** Checks that need no state (before the kernel takes the lock). */
    static void checkArgs(MapDma m) {
        if (m.argsz() < MapDma.MIN_ARGSZ) {
            throw VfioException.of(
                    Errno.EINVAL, "MAP_DMA argsz %d is below %d", m.argsz(), MapDma.MIN_ARGSZ);
        }
        int known = MapDma.READ | MapDma.WRITE | MapDma.VADDR;
        if ((m.flags() & ~known) != 0) {
            throw VfioException.of(Errno.EINVAL, "MAP_DMA flags 0x%x hold unknown bits", m.flags());
        }
        boolean prot = (m.flags() & (MapDma.READ | MapDma.WRITE)) != 0;
        boolean setVaddr = (m.flags() & MapDma.VADDR) != 0;
        if (prot == setVaddr) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA flags 0x%x: need READ and/or WRITE, or VADDR alone",
                    m.flags());
        }
    }

    void map(Task caller, MapDma m) {
        long minpg = st.minPageSize();
        long size = m.size();
        long iova = m.iova();
        long vaddr = m.vaddr();
        boolean eoverflow = st.era.overflowIsEoverflow();
        if (eoverflow && size != 0) {
            // 6.18 checks the wrap before taking the lock, so ahead of alignment.
            checkWrap(Errno.EOVERFLOW, iova, vaddr, size);
        }
        if (size == 0 || ((size | iova | vaddr) & (minpg - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA iova 0x%x vaddr 0x%x size 0x%x: size is zero or not aligned to the minimum page size 0x%x",
                    iova,
                    vaddr,
                    size,
                    minpg);
        }
        if (!eoverflow) {
            checkWrap(Errno.EINVAL, iova, vaddr, size);
        }
        DmaMapping hit = st.dmas.overlapping(iova, iova + size - 1);
        if ((m.flags() & MapDma.VADDR) != 0) {
            updateVaddr(caller, hit, iova, vaddr, size);
            return;
        }
        if (hit != null) {
            throw VfioException.of(
                    Errno.EEXIST,
                    "MAP_DMA [0x%x, 0x%x] overlaps %s",
                    iova,
                    iova + size - 1,
                    hit.describe());
        }
        if (st.dmaAvail == 0) {
            throw VfioException.of(
                    Errno.ENOSPC,
                    "MAP_DMA refused: the container already holds dma-entry-limit = %d mappings",
                    st.settings.dmaEntryLimit());
        }
        if (!st.iovaList.allows(iova, iova + size - 1)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA [0x%x, 0x%x] is not inside one valid IOVA range %s",
                    iova,
                    iova + size - 1,
                    st.iovaList);
        }
        AddressSpace mm = callerSpace(caller);
        st.host.allocation("vfio_dma");
        int prot = m.flags() & (MapDma.READ | MapDma.WRITE);
        DmaOwner owner = DmaOwner.retain(mm, caller, st.pageSize, st.lastOwner);
        st.lastOwner = owner;
        DmaMapping d = new DmaMapping(iova, vaddr, size, prot, owner);
        if (st.domains.hasDomain()) {
            try {
                st.iommu.pinAndMap(d, st.domains.domains);
            } catch (RuntimeException e) {
                owner.release();
                throw e;
            }
            d.iommuMapped = true;
        }
        st.dmas.add(d);
        st.dmaAvail--;
        if (st.dirtyTracking) {
            try {
                st.allocateDirtyBitmap(d);
            } catch (RuntimeException e) {
                st.removeMapping(d);
                throw e;
            }
        }
    }

    /** IOVA and vaddr ranges must not wrap past 2^64; the errno depends on the era. */
    private static void checkWrap(Errno errno, long iova, long vaddr, long size) {
        if (Long.compareUnsigned(iova + size - 1, iova) < 0
                || Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
            throw VfioException.of(
                    errno,
                    "MAP_DMA iova 0x%x vaddr 0x%x size 0x%x wraps past 2^64",
                    iova,
                    vaddr,
                    size);
        }
    }

    private static AddressSpace callerSpace(Task caller) {
        return caller.addressSpace()
                .orElseThrow(
                        () ->
                                VfioException.of(
                                        Errno.ENODEV,
                                        "caller pid %d has no address space",
                                        caller.pid()));
    }

    /**
     * VADDR update (docs/reference/type1-mdev.md §2.5): the mapping must match exactly and be
     * invalid. If the caller's address space is another one (after exec), the pages move: the new
     * mm is charged first (ENOMEM possible, nothing changed), then the old one un-charged if it
     * still has users.
     */
    private void updateVaddr(Task caller, DmaMapping hit, long iova, long vaddr, long size) {
        if (hit == null) {
            throw VfioException.of(
                    Errno.ENOENT,
                    "MAP_DMA VADDR: no mapping overlaps [0x%x, 0x%x]",
                    iova,
                    iova + size - 1);
        }
        if (!hit.vaddrInvalid || hit.iova != iova || hit.size != size) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "MAP_DMA VADDR iova 0x%x size 0x%x: %s %s",
                    iova,
                    size,
                    hit.describe(),
                    hit.vaddrInvalid ? "differs in iova or size" : "has a valid vaddr");
        }
        AddressSpace mm = callerSpace(caller);
        if (mm != hit.owner.space()) {
            long pages = hit.lockedVm;
            long limit = caller.memlockLimitPages(st.pageSize);
            boolean cap = caller.capIpcLock();
            if (pages != 0) {
                mm.charge(pages, limit, cap);
            }
            DmaOwner old = hit.owner;
            if (pages != 0 && old.space().isAlive()) {
                old.space().uncharge(pages);
            }
            hit.owner = DmaOwner.retain(mm, caller, st.pageSize, st.lastOwner);
            st.lastOwner = hit.owner;
            old.release();
        }
        hit.vaddr = vaddr;
        hit.vaddrInvalid = false;
        st.vaddrInvalidCount--;
    }
}
