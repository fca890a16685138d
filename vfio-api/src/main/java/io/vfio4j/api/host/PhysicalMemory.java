package io.vfio4j.api.host;

import io.vfio4j.api.VfioException;

/**
 * Host physical memory as a backend sees it: page frames, their pin counts and their contents.
 * Frames are pinned through an {@link AddressSpace}; they are unpinned here, because a pin belongs
 * to the page, not to the address space (the kernel's {@code unpin_user_page}).
 */
public interface PhysicalMemory {
    /**
     * Drops one pin from each of {@code pages} frames starting at {@code pfn}.
     *
     * @param dirty mark the pages dirty (the device may have written them)
     * @throws IllegalStateException if a frame is not pinned: a backend bug, never a user error
     */
    void unpin(long pfn, long pages, boolean dirty);

    /**
     * Adds one pin to each of {@code pages} frames that are already pinned (the kernel's extra
     * {@code get_page} on a page a caller holds).
     */
    void repin(long pfn, long pages);

    /** The current pin count of one frame. */
    long pinCount(long pfn);

    /**
     * Reads bytes at a host physical address (a device's DMA read). Bytes never written read as 0.
     *
     * @throws VfioException EFAULT if the address is not backed by any frame of the host
     */
    void read(long physAddr, byte[] dst, int offset, int length);

    /**
     * Writes bytes at a host physical address (a device's DMA write). Device (PFNMAP) frames keep
     * their contents like RAM frames.
     *
     * @throws VfioException EFAULT if the address is not backed by any frame of the host
     */
    void write(long physAddr, byte[] src, int offset, int length);
}
