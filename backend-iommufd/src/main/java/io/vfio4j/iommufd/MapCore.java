package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.MemFile;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.List;

/**
 * The map core shared by the compat MAP_DMA and the native IOAS_MAP (io_pagetable.c {@code
 * iopt_map_user_pages}, {@code iopt_map_common}, {@code iopt_alloc_iova}): the checks of
 * docs/reference/iommufd.md §4.2 steps 5-10 in the kernel's order, then the area is inserted and,
 * with a domain, filled. Called under the owner's lock.
 */
final class MapCore {
    /** The THP size that caps the automatic IOVA alignment (M3). */
    static final long THP = 2L << 20;

    private MapCore() {}

    /**
     * Maps [vaddr, vaddr + size) of the caller at {@code iova} ({@code fixed}) or at an IOVA the
     * IOAS chooses; returns the IOVA.
     */
    static long map(
            Ioas ioas,
            IommufdSettings settings,
            Task caller,
            long vaddr,
            long size,
            long iova,
            boolean fixed,
            int prot,
            IoptPages.Mode mode) {
        return map(ioas, settings, caller, vaddr, size, iova, fixed, prot, mode, null);
    }

    /**
     * As {@link #map(Ioas, IommufdSettings, Task, long, long, long, boolean, int, IoptPages.Mode)};
     * with a {@code file} (MAP_FILE, §4.3) {@code vaddr} is the byte offset in it.
     */
    static long map(
            Ioas ioas,
            IommufdSettings settings,
            Task caller,
            long vaddr,
            long size,
            long iova,
            boolean fixed,
            int prot,
            IoptPages.Mode mode,
            MemFile file) {
        long p = ioas.pageSize;
        if (size != 0 && Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "vaddr 0x%x + size 0x%x wraps", vaddr, size);
        }
        if (size == 0 || Long.compareUnsigned(size, -1L - p) > 0) {
            throw VfioException.of(Errno.EINVAL, "map size 0x%x", size);
        }
        long align = ioas.alignment();
        if (Long.remainderUnsigned(size, align) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "size 0x%x is not a multiple of the alignment 0x%x", size, align);
        }
        if (fixed) {
            checkFixed(ioas, iova, size, align);
        } else {
            iova = allocate(ioas, vaddr, size, align);
        }
        if (Long.remainderUnsigned(Long.remainderUnsigned(vaddr, p), align) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "vaddr 0x%x: its offset in the page is not a multiple of 0x%x",
                    vaddr,
                    align);
        }
        AddressSpace space = addressSpaceOf(caller);
        IoptPages pages =
                new IoptPages(
                        ioas.host,
                        vaddr,
                        size,
                        (prot & io.vfio4j.api.DmaProt.WRITE) != 0,
                        space,
                        caller.user(),
                        caller.memlockLimitPages(p),
                        mode,
                        settings.deviceMemory(),
                        file);
        Area area = new Area(iova, size, vaddr, prot, pages);
        try {
            ioas.insert(area);
        } catch (RuntimeException e) {
            space.release();
            throw e;
        }
        return iova;
    }

    /** Step 7 for a fixed IOVA: alignment, wrap, reserved (EINVAL), overlap (EEXIST). */
    static void checkFixed(Ioas ioas, long iova, long size, long align) {
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
    }

    /**
     * M3, {@code iopt_alloc_iova}: first fit from low to high over the allowed ranges (or [P, 2^64
     * - 1 - P]), skipping reserved ranges and areas, at an alignment guessed from the length and
     * the VA; the IOVA keeps the VA's offset in its page.
     */
    static long allocate(Ioas ioas, long vaddr, long size, long minAlign) {
        long p = ioas.pageSize;
        if (Long.compareUnsigned(size, Long.MAX_VALUE) >= 0) {
            throw VfioException.of(Errno.EOVERFLOW, "length 0x%x too large to place", size);
        }
        long want = size == 1 ? 1 : Long.highestOneBit(size - 1) << 1;
        if (vaddr != 0) {
            want = Math.min(want, Long.lowestOneBit(vaddr));
        }
        want = Math.min(want, THP);
        if (want < minAlign) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "an automatic IOVA for 0x%x bytes at 0x%x cannot be aligned to 0x%x",
                    size,
                    vaddr,
                    minAlign);
        }
        long offset = Long.remainderUnsigned(vaddr, p);
        long step = offset != 0 ? Math.max(want, p) : want;
        List<IovaRange> blocked = new ArrayList<>(ioas.reserved());
        for (Area a : ioas.areas.values()) {
            blocked.add(new IovaRange(a.iova, a.last()));
        }
        List<IovaRange> space =
                ioas.allowed.isEmpty() ? List.of(new IovaRange(p, -1L - p)) : ioas.allowed;
        List<IovaRange> ordered = new ArrayList<>(space);
        ordered.sort((x, y) -> Long.compareUnsigned(x.start(), y.start()));
        for (IovaRange r : ordered) {
            long cand = alignUp(r.start(), step);
            while (cand != 0 || r.start() == 0) {
                long start = cand + offset;
                long last = start + size - 1;
                if (Long.compareUnsigned(start, cand) < 0
                        || Long.compareUnsigned(last, start) < 0
                        || Long.compareUnsigned(last, r.end()) > 0) {
                    break;
                }
                IovaRange hit = firstBlocking(blocked, start, last);
                if (hit == null) {
                    return start;
                }
                if (hit.end() == -1L) {
                    break;
                }
                long next = alignUp(hit.end() + 1, step);
                if (Long.compareUnsigned(next, cand) <= 0) {
                    break;
                }
                cand = next;
            }
        }
        throw VfioException.of(Errno.ENOSPC, "no free IOVA range of 0x%x bytes", size);
    }

    private static IovaRange firstBlocking(List<IovaRange> blocked, long start, long last) {
        IovaRange want = new IovaRange(start, last);
        IovaRange best = null;
        for (IovaRange b : blocked) {
            if (b.overlaps(want)
                    && (best == null || Long.compareUnsigned(b.end(), best.end()) > 0)) {
                best = b;
            }
        }
        return best;
    }

    private static long alignUp(long v, long align) {
        long r = Long.remainderUnsigned(v, align);
        return r == 0 ? v : v + (align - r);
    }

    /** The caller's address space; EFAULT for a process that has none (it exited). */
    static AddressSpace addressSpaceOf(Task caller) {
        return caller.addressSpace()
                .orElseThrow(
                        () ->
                                VfioException.of(
                                        Errno.EFAULT,
                                        "process %d has no address space",
                                        caller.pid()));
    }
}
