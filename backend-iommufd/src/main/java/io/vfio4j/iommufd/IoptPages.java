package io.vfio4j.iommufd;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostUser;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.MemFile;
import io.vfio4j.api.host.PinnedRun;
import java.util.BitSet;

/**
 * The pages one MAP_DMA call takes its frames from (the kernel's {@code struct iopt_pages},
 * pages.c): a user VA range of P-sized pages with the process, user and accounting mode fixed when
 * it was made. A page is pinned once while anything holds it (an area filled for the domains, an
 * access range) and charged once, to the mapper, however many holders it has
 * (docs/reference/iommufd.md §3 A4, A5). Not thread-safe: the container's lock guards it.
 */
final class IoptPages {
    /** How pins are charged (the kernel's {@code IOPT_PAGES_ACCOUNT_*}). */
    enum Mode {
        /** CAP_IPC_LOCK at map time: only {@code pinned_vm} moves. */
        NONE,
        /** The uid's {@code locked_vm} and the mapper's {@code pinned_vm}. */
        USER,
        /**
         * The mapper's {@code locked_vm} and {@code pinned_vm} (a {@code /dev/vfio/vfio} context).
         */
        MM
    }

    final long baseVa;
    final int npages;
    final boolean writable;

    /**
     * The memory file the pages come from (MAP_FILE; {@code baseVa} is then an offset), or null.
     */
    final MemFile file;

    final Mode mode;

    /** The owner charged ({@code source_mm}, {@code source_user}); CHANGE_PROCESS moves it. */
    AddressSpace space;

    HostUser user;
    long limitPages;
    private final HostView host;
    private final IommufdSettings.DeviceMemory deviceMemory;
    private final long pageSize;
    private final long[] pfn;
    private final int[] holders;
    private final BitSet deviceFrames = new BitSet();

    /** Indexes where a pinned run began: an unpin run never crosses one (another frame bank). */
    private final BitSet runStarts = new BitSet();

    private long pinned;
    private long charged;
    private int areaRefs;

    IoptPages(
            HostView host,
            long vaddr,
            long length,
            boolean writable,
            AddressSpace space,
            HostUser user,
            long limitPages,
            Mode mode,
            IommufdSettings.DeviceMemory deviceMemory,
            MemFile file) {
        this.host = host;
        this.file = file;
        this.pageSize = host.pageSize();
        this.baseVa = vaddr - Long.remainderUnsigned(vaddr, pageSize);
        long last = vaddr + length - 1;
        long count = Long.divideUnsigned(last - baseVa, pageSize) + 1;
        if (count > Integer.MAX_VALUE - 8) {
            throw VfioException.of(Errno.ENOMEM, "mapping of %d pages is too large", count);
        }
        this.npages = (int) count;
        this.writable = writable;
        this.space = space;
        this.user = user;
        this.limitPages = limitPages;
        this.mode = mode;
        this.deviceMemory = deviceMemory;
        this.pfn = new long[npages];
        this.holders = new int[npages];
        space.retain();
    }

    /** The index of the page holding user address {@code va}. */
    int index(long va) {
        return (int) Long.divideUnsigned(va - baseVa, pageSize);
    }

    long pfn(int index) {
        return pfn[index];
    }

    boolean isPinned(int index) {
        return holders[index] > 0;
    }

    long pinned() {
        return pinned;
    }

    long charged() {
        return charged;
    }

    void addArea() {
        areaRefs++;
    }

    /** Drops an area's reference; the last one lets go of the address space. */
    void removeArea() {
        if (--areaRefs == 0) {
            space.release();
        }
    }

    /**
     * Adds one holder to each page of [first, last]; pages that had none are pinned from the
     * mapper's address space and charged (A5: {@code npinned - last_npinned}, after pinning).
     *
     * @throws VfioException EFAULT for an unbacked or dead range or device memory on mainline;
     *     ENOMEM over the limit; nothing changed then
     */
    void hold(int first, int last) {
        int i = first;
        long fresh = 0;
        try {
            while (i <= last) {
                if (holders[i] > 0) {
                    holders[i]++;
                    i++;
                    continue;
                }
                int end = i;
                while (end < last && holders[end + 1] == 0) {
                    end++;
                }
                // Pin the stretch of unheld pages run by run, scanning it once.
                while (i <= end) {
                    int got = pinRun(i, end);
                    for (int k = i; k < i + got; k++) {
                        holders[k] = 1;
                        if (!deviceFrames.get(k)
                                || deviceMemory == IommufdSettings.DeviceMemory.CHARGED) {
                            fresh++;
                        }
                    }
                    pinned += got;
                    i += got;
                }
            }
            charge(fresh);
        } catch (VfioException e) {
            // The charge comes last, so nothing of this call was charged yet.
            drop(first, i - 1, false);
            throw e;
        }
    }

    /** Removes one holder from each page of [first, last]; pages left with none are unpinned. */
    void release(int first, int last) {
        drop(first, last, true);
    }

    private void drop(int first, int last, boolean uncharge) {
        long freed = 0;
        // Frames are unpinned in runs of contiguous pfns, one host call per run.
        long runPfn = -1;
        long runPages = 0;
        for (int k = first; k <= last; k++) {
            if (--holders[k] > 0) {
                continue;
            }
            pinned--;
            boolean device = deviceFrames.get(k);
            if (!device || deviceMemory == IommufdSettings.DeviceMemory.CHARGED) {
                freed++;
            }
            if (device) {
                deviceFrames.clear(k);
                continue;
            }
            if (runPages > 0 && pfn[k] == runPfn + runPages && !runStarts.get(k)) {
                runPages++;
                continue;
            }
            if (runPages > 0) {
                host.memory().unpin(runPfn, runPages, writable);
            }
            runPfn = pfn[k];
            runPages = 1;
        }
        if (runPages > 0) {
            host.memory().unpin(runPfn, runPages, writable);
        }
        if (uncharge) {
            uncharge(freed);
        }
    }

    private int pinRun(int first, int last) {
        PinnedRun run;
        try {
            long at = baseVa + (long) first * pageSize;
            run =
                    file != null
                            ? file.pinRun(at, last - first + 1L, writable)
                            : space.pinRun(at, last - first + 1L, writable);
        } catch (VfioException e) {
            if (e.errno() == Errno.ENODEV) {
                throw VfioException.of(Errno.EFAULT, "the mapping process's address space is gone");
            }
            throw e;
        }
        int got = (int) Math.min(run.pages(), last - first + 1L);
        runStarts.set(first);
        if (run.reserved()) {
            if (deviceMemory == IommufdSettings.DeviceMemory.EFAULT) {
                throw VfioException.of(
                        Errno.EFAULT,
                        "0x%x is device memory (VM_PFNMAP): long-term pinning refuses it",
                        run.vaddr());
            }
            deviceFrames.set(first, first + got);
        }
        for (int k = 0; k < got; k++) {
            pfn[first + k] = run.pfn() + k;
        }
        return got;
    }

    private void charge(long n) {
        if (n == 0) {
            return;
        }
        switch (mode) {
            case USER -> user.charge(n, limitPages);
            case MM -> space.charge(n, limitPages, false);
            case NONE -> {}
        }
        space.chargePinned(n, Long.MAX_VALUE);
        charged += n;
    }

    private void uncharge(long n) {
        if (n == 0) {
            return;
        }
        switch (mode) {
            case USER -> user.uncharge(n);
            case MM -> space.uncharge(n);
            case NONE -> {}
        }
        space.unchargePinned(n);
        charged -= n;
    }

    /**
     * IOAS_CHANGE_PROCESS (A12): the pages' owner becomes {@code to}. The caller has charged {@code
     * to} and un-charged the old owner already when the charge moved.
     */
    void changeOwner(AddressSpace to, HostUser toUser, long toLimitPages) {
        to.retain();
        space.release();
        space = to;
        user = toUser;
        limitPages = toLimitPages;
    }

    /** Moves the charge of every pinned page to the new owner's counters (A12), or throws. */
    static void chargeTo(Mode mode, AddressSpace to, HostUser toUser, long limit, long n) {
        if (n == 0) {
            return;
        }
        switch (mode) {
            case USER -> toUser.charge(n, limit);
            case MM -> to.charge(n, limit, false);
            case NONE -> {}
        }
        to.chargePinned(n, Long.MAX_VALUE);
    }

    /** Undoes {@link #chargeTo} when a later mode's charge failed. */
    static void unchargeFrom(Mode mode, AddressSpace from, HostUser fromUser, long n) {
        if (n == 0) {
            return;
        }
        switch (mode) {
            case USER -> fromUser.uncharge(n);
            case MM -> from.uncharge(n);
            case NONE -> {}
        }
        from.unchargePinned(n);
    }

    long pageSize() {
        return pageSize;
    }

    /** Takes this object's charge off its current owner (A12, second half). */
    void unchargeOwner() {
        long n = charged;
        uncharge(n);
        charged = n;
    }

    /**
     * Reports the charges (locked_vm in MM mode, the user's in USER mode, pinned_vm) and frames.
     */
    void audit(AuditSink sink) {
        if (charged > 0) {
            if (mode == Mode.MM) {
                sink.charged(space, null, charged);
            } else if (mode == Mode.USER) {
                sink.chargedUser(user, charged);
            }
            sink.chargedPinned(space, charged);
        }
        int k = 0;
        while (k < npages) {
            if (holders[k] == 0 || deviceFrames.get(k)) {
                k++;
                continue;
            }
            int end = k;
            while (end + 1 < npages
                    && holders[end + 1] > 0
                    && !deviceFrames.get(end + 1)
                    && pfn[end + 1] == pfn[end] + 1) {
                end++;
            }
            sink.pinned(null, pfn[k], end - k + 1L, 1);
            k = end + 1;
        }
    }
}
