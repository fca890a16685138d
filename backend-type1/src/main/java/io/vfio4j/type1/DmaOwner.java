package io.vfio4j.type1;

import io.vfio4j.api.host.AddressSpace;

/**
 * Whom a mapping charges: a counted reference to the caller's address space (the kernel's {@code
 * dma->mm}, grabbed with {@code mmgrab}) plus the caller's {@code RLIMIT_MEMLOCK} in pages and its
 * {@code CAP_IPC_LOCK} (the kernel's {@code dma->lock_cap}), both read at MAP time. Never the
 * process itself: it may exit or exec while the container lives.
 */
record DmaOwner(AddressSpace space, long limitPages, boolean lockCap) {

    /** Takes the counted reference and returns the owner. */
    static DmaOwner retain(AddressSpace space, long limitPages, boolean lockCap) {
        space.retain();
        return new DmaOwner(space, limitPages, lockCap);
    }

    /** Drops the counted reference; the owner is not used again. */
    void release() {
        space.release();
    }

    String describe() {
        return "mm " + space.id() + " (pid " + space.ownerPid() + ")";
    }
}
