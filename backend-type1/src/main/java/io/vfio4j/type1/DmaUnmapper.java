package io.vfio4j.type1;

import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.DirtyBitmapRequest;
import io.vfio4j.api.command.UnmapDma;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UNMAP_DMA (docs/reference/type1-mdev.md §2.3) with VADDR invalidation (§2.5) and the DMA-unmap
 * notification loop (docs/reference/type1-mdev.md §3.5): listeners are called with the container
 * lock released, and the walk restarts from the bisection check once it is taken again.
 */
final class DmaUnmapper {
    private static final Logger LOG = LoggerFactory.getLogger(DmaUnmapper.class);

    /** The kernel's {@code BUG_ON(++retries > 10)}: the 11th notification is the last. */
    static final int MAX_RETRIES = 10;

    private final Type1State st;
    private final ReentrantLock lock;

    DmaUnmapper(Type1State st, ReentrantLock lock) {
        this.st = st;
        this.lock = lock;
    }

    /** Checks that need no state (before the kernel takes the lock). */
    static void checkArgs(UnmapDma u) {
        int known = UnmapDma.GET_DIRTY_BITMAP | UnmapDma.ALL | UnmapDma.VADDR;
        if (u.argsz() < UnmapDma.MIN_ARGSZ) {
            throw VfioException.of(
                    Errno.EINVAL, "UNMAP_DMA argsz %d is below %d", u.argsz(), UnmapDma.MIN_ARGSZ);
        }
        if ((u.flags() & ~known) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "UNMAP_DMA flags 0x%x hold unknown bits", u.flags());
        }
        boolean bitmap = (u.flags() & UnmapDma.GET_DIRTY_BITMAP) != 0;
        if (bitmap && (u.flags() & (UnmapDma.ALL | UnmapDma.VADDR)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "UNMAP_DMA: GET_DIRTY_BITMAP cannot be combined with ALL or VADDR");
        }
        if (bitmap) {
            if (u.argsz() < UnmapDma.MIN_ARGSZ_WITH_BITMAP) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "UNMAP_DMA with GET_DIRTY_BITMAP: argsz %d is below %d",
                        u.argsz(),
                        UnmapDma.MIN_ARGSZ_WITH_BITMAP);
            }
            DirtyBitmapRequest b =
                    u.bitmap()
                            .orElseThrow(
                                    () ->
                                            VfioException.of(
                                                    Errno.EFAULT,
                                                    "UNMAP_DMA with GET_DIRTY_BITMAP but no vfio_bitmap"));
            DirtyTracker.verifyBitmapSize(u.size(), b);
        }
    }

    UnmapDma.Result unmap(UnmapDma u) {
        boolean all = (u.flags() & UnmapDma.ALL) != 0;
        boolean invalidate = (u.flags() & UnmapDma.VADDR) != 0;
        Optional<DirtyBitmapRequest> bitmapReq =
                u.bitmap().filter(b -> (u.flags() & UnmapDma.GET_DIRTY_BITMAP) != 0);
        if (invalidate && st.domains.hasEmulated()) {
            throw VfioException.of(
                    Errno.EBUSY, "UNMAP_DMA VADDR refused: emulated (mdev) groups are attached");
        }
        long minpg = st.minPageSize();
        long iova = u.iova();
        long size = u.size();
        if ((iova & (minpg - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL, "UNMAP_DMA iova 0x%x is not aligned to 0x%x", iova, minpg);
        }
        if (all) {
            if (iova != 0 || size != 0) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "UNMAP_DMA ALL needs iova and size 0, got 0x%x, 0x%x",
                        iova,
                        size);
            }
            size = -1L; // U64_MAX: the whole space
        } else if (size == 0 || (size & (minpg - 1)) != 0) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "UNMAP_DMA iova 0x%x size 0x%x: size is zero or not aligned to 0x%x",
                    iova,
                    size,
                    minpg);
        } else if (Long.compareUnsigned(iova + size - 1, iova) < 0) {
            // 6.18: check_add_overflow after the alignment checks, EOVERFLOW; before: EINVAL.
            throw VfioException.of(
                    st.era.overflowIsEoverflow() ? Errno.EOVERFLOW : Errno.EINVAL,
                    "UNMAP_DMA iova 0x%x size 0x%x wraps past 2^64",
                    iova,
                    size);
        }
        long end = iova + size - 1;
        if (bitmapReq.isPresent() && (!st.dirtyTracking || bitmapReq.get().pgsize() != minpg)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "UNMAP_DMA GET_DIRTY_BITMAP: tracking is %s, bitmap page size 0x%x, minimum page 0x%x",
                    st.dirtyTracking ? "on" : "off",
                    bitmapReq.get().pgsize(),
                    minpg);
        }
        long[] bitmap = bitmapReq.map(b -> new long[(int) ((b.size() + 7) / 8)]).orElse(null);
        long unmapped = 0;
        DmaMapping last = null;
        int retries = 0;
        boolean firstPass = true;
        again:
        while (true) {
            if (st.v2 && !all) {
                DmaMapping head = st.dmas.containing(iova);
                DmaMapping tail = st.dmas.containing(end);
                if ((head != null && head.iova != iova) || (tail != null && tail.last() != end)) {
                    if (!firstPass) {
                        // The kernel returns what it removed so far (ret is 0 by then).
                        break;
                    }
                    DmaMapping cut = head != null && head.iova != iova ? head : tail;
                    throw VfioException.of(
                            Errno.EINVAL,
                            "UNMAP_DMA [0x%x, 0x%x] bisects %s (v2 cannot split a mapping)",
                            iova,
                            end,
                            cut.describe());
                }
            }
            firstPass = false;
            // Before 6.18 the first-node search wraps for a range ending at 2^64 and finds
            // nothing (firstOverlapping models it); 6.18 searches up to the inclusive end.
            DmaMapping first =
                    st.era.unmapReachesTopOfSpace()
                            ? st.dmas.overlapping(iova, end)
                            : st.dmas.firstOverlapping(iova, size);
            DmaMapping n = first;
            while (n != null) {
                if (Long.compareUnsigned(n.iova, end) > 0) {
                    break;
                }
                if (!st.v2 && Long.compareUnsigned(iova, n.iova) > 0) {
                    break; // v1: a request starting inside a mapping unmaps nothing
                }
                if (invalidate) {
                    if (n.vaddrInvalid) {
                        for (DmaMapping x = first; x != n; x = st.dmas.next(x)) {
                            x.vaddrInvalid = false;
                            st.vaddrInvalidCount--;
                        }
                        throw VfioException.of(
                                Errno.EINVAL,
                                "UNMAP_DMA VADDR: %s is already invalid; no mark kept",
                                n.describe());
                    }
                    n.vaddrInvalid = true;
                    st.vaddrInvalidCount++;
                    unmapped += n.size;
                    n = st.dmas.next(n);
                    continue;
                }
                if (n.hasPins()) {
                    if (n == last) {
                        if (++retries > MAX_RETRIES) {
                            throw new KernelBugError(
                                    String.format(
                                            java.util.Locale.ROOT,
                                            "vfio_dma_do_unmap: %s still holds %d pinned page(s) after %d DMA-unmap notifications",
                                            n.describe(),
                                            n.pinCount(),
                                            MAX_RETRIES + 1));
                        }
                    } else {
                        last = n;
                        retries = 0;
                    }
                    notifyDevices(n);
                    continue again;
                }
                if (bitmap != null) {
                    DirtyTracker.copyOut(st, n, iova, minpg, bitmap);
                }
                unmapped += n.size;
                DmaMapping next = st.dmas.next(n);
                st.removeMapping(n);
                n = next;
            }
            break;
        }
        return new UnmapDma.Result(unmapped, Optional.ofNullable(bitmap));
    }

    /**
     * Tells every registered device that the whole mapping goes away, with the container lock
     * released so that they can unpin. With none registered the kernel returns at once.
     */
    private void notifyDevices(DmaMapping d) {
        if (st.devices.noneRegistered()) {
            return;
        }
        List<DeviceRegistry.Registration> regs = st.devices.snapshot();
        long iova = d.iova;
        long size = d.size;
        LOG.debug("notifying {} device(s) of the unmap of {}", regs.size(), d.describe());
        lock.unlock();
        try {
            for (DeviceRegistry.Registration r : regs) {
                r.listener().dmaUnmap(iova, size);
            }
        } finally {
            lock.lock();
        }
    }
}
