package io.vfio4j.api.command;

/**
 * {@code struct vfio_bitmap}: where userspace wants a dirty bitmap.
 *
 * @param pgsize the page size each bit stands for
 * @param size the bitmap buffer size in bytes
 */
public record DirtyBitmapRequest(long pgsize, long size) {}
