package io.vfio4j.type1;

import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.Task;

/**
 * Whom a mapping charges: a counted reference to the caller's address space (the kernel's {@code
 * dma->mm}, grabbed with {@code mmgrab}), the calling process (the kernel's {@code dma->task}, the
 * group leader), whose {@code RLIMIT_MEMLOCK} is read live at every later charge as {@code
 * mm_lock_acct} does with {@code task_rlimit(dma->task, ...)}, and its {@code CAP_IPC_LOCK} read at
 * MAP time (the kernel's {@code dma->lock_cap}). The process is kept for its limit only; memory and
 * counters go through the address space, which outlives an exit or exec.
 */
record DmaOwner(AddressSpace space, Task task, long pageSize, boolean lockCap) {

    /**
     * Takes the counted reference and returns the owner: {@code last} itself when it names the same
     * space, process and capability (a VM's mappings share one owner object; it is immutable, and
     * each mapping still holds its own reference on the space).
     */
    static DmaOwner retain(AddressSpace space, Task task, long pageSize, DmaOwner last) {
        boolean cap = task.capIpcLock();
        space.retain();
        if (last != null
                && last.space == space
                && last.task == task
                && last.pageSize == pageSize
                && last.lockCap == cap) {
            return last;
        }
        return new DmaOwner(space, task, pageSize, cap);
    }

    /** The owner's RLIMIT_MEMLOCK in pages now (a prlimit after MAP counts). */
    long limitPages() {
        return task.memlockLimitPages(pageSize);
    }

    /** Drops the counted reference; the owner is not used again. */
    void release() {
        space.release();
    }

    String describe() {
        return "mm " + space.id() + " (pid " + space.ownerPid() + ")";
    }
}
