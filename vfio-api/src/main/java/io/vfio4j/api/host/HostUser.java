package io.vfio4j.api.host;

/**
 * A user of the host (the kernel's {@code user_struct}): the owner of processes, with its own
 * {@code locked_vm} shared by all of them. iommufd charges pinned pages here by default (per-user
 * RLIMIT mode), where type1 charges the process's address space; two VMs run by one user therefore
 * share one budget under iommufd.
 */
public interface HostUser {
    /** The user id. */
    int uid();

    /** Pages (of the host page size) counted in this user's {@code locked_vm}. */
    long lockedVm();

    /**
     * Charges {@code pages} to the user's {@code locked_vm}, as iommufd's {@code
     * incr_user_locked_vm}: fails when {@code lockedVm() + pages > limitPages} (the caller passes
     * its task's RLIMIT_MEMLOCK in pages; {@code Long.MAX_VALUE} for no limit). Capabilities are
     * the caller's business: iommufd does not charge at all for a CAP_IPC_LOCK task.
     *
     * @throws io.vfio4j.api.VfioException ENOMEM over the limit; nothing is charged
     */
    void charge(long pages, long limitPages);

    /** Removes {@code pages}; going below zero is recorded as a kernel WARN, as for locked_vm. */
    void uncharge(long pages);
}
