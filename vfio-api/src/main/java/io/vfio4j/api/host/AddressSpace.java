package io.vfio4j.api.host;

import io.vfio4j.api.VfioException;
import java.util.function.Supplier;

/**
 * A process address space: the kernel's {@code mm_struct}. It outlives its process: a backend that
 * holds a counted reference ({@link #retain()}) can still read and change its {@code locked_vm}
 * after the process exited or exec'ed, although its memory is gone ({@link #isAlive()} is then
 * false and pinning fails).
 *
 * <p>All addresses are unsigned 64-bit values; compare them with {@link Long#compareUnsigned}.
 */
public interface AddressSpace {
    /** A stable identifier, unique on the host, used in messages and reports. */
    long id();

    /** The pid of the process this address space was created for. */
    int ownerPid();

    /**
     * True while the address space has users (the kernel's {@code mmget_not_zero} succeeds): false
     * once its process exited or exec'ed into a new address space.
     */
    boolean isAlive();

    /** Pages (of the host page size) counted in {@code locked_vm}. */
    long lockedVm();

    /**
     * Charges {@code pages} to {@code locked_vm}, as the kernel's {@code __account_locked_vm}.
     * Without {@code capIpcLock}, fails when {@code lockedVm() + pages > limitPages}; reaching the
     * limit exactly is allowed. With it, the check is skipped but the pages are still counted.
     * Works on a dead address space too (the counter lives as long as the reference).
     *
     * @throws VfioException ENOMEM if the limit would be exceeded; nothing is charged
     */
    void charge(long pages, long limitPages, boolean capIpcLock);

    /**
     * Pages counted in {@code pinned_vm}: the long-term pins that iommufd (next to the user's
     * locked_vm) and vhost-vdpa account here instead of in {@code locked_vm}. The kernel checks no
     * limit of its own on this counter; its users compare it with RLIMIT_MEMLOCK themselves.
     */
    long pinnedVm();

    /**
     * Adds {@code pages} to {@code pinned_vm} when {@code pinnedVm() + pages <= limitPages} (pass
     * {@code Long.MAX_VALUE} to add without a check, as iommufd does).
     *
     * @throws VfioException ENOMEM over the limit; nothing is added
     */
    void chargePinned(long pages, long limitPages);

    /** Removes {@code pages} from {@code pinned_vm}; going below zero is recorded as a WARN. */
    void unchargePinned(long pages);

    /**
     * Removes {@code pages} from {@code locked_vm}. Like the kernel's unsigned counter it wraps
     * below zero; the host records the underflow (a kernel WARN) so tests can see it.
     */
    void uncharge(long pages);

    /**
     * Pins the longest run of pages that starts at {@code vaddr}, is at most {@code maxPages} long,
     * lies in one memory region and is physically contiguous (the kernel's {@code pin_user_pages}
     * plus the contiguity cut of {@code vfio_pin_pages_remote}). Device memory (PFNMAP) is returned
     * as a reserved run and is not pinned.
     *
     * @param write the pin is for write access
     * @throws VfioException EFAULT if {@code vaddr} is not backed or {@code write} is asked of
     *     read-only memory; ENODEV if the address space is dead; an injected failure's errno
     */
    PinnedRun pinRun(long vaddr, long maxPages, boolean write);

    /**
     * Looks up, without pinning, the run that starts at {@code vaddr} (same cut rules as {@link
     * #pinRun}).
     *
     * @throws VfioException EFAULT if {@code vaddr} is not backed; ENODEV if the space is dead
     */
    PinnedRun translate(long vaddr, long maxPages);

    /** Copies user memory out ({@code copy_from_user}). @throws VfioException EFAULT */
    void read(long vaddr, byte[] dst, int offset, int length);

    /** Copies into user memory ({@code copy_to_user}). @throws VfioException EFAULT */
    void write(long vaddr, byte[] src, int offset, int length);

    /** Takes a counted reference (the kernel's {@code mmgrab}). */
    void retain();

    /** Drops a reference taken with {@link #retain()}. */
    void release();

    /**
     * Per-address-space data a backend keeps, shared by every container of the process (the kernel
     * keeps e.g. SPAPR preregistered memory in {@code mm->context}). Created on first use.
     */
    <T> T attachment(AttachmentKey<T> key, Supplier<T> initial);
}
