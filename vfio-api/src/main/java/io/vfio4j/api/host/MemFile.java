package io.vfio4j.api.host;

import io.vfio4j.api.VfioException;

/**
 * A memory file (a {@code memfd}, possibly on hugetlbfs) whose pages can be mapped by file offset
 * rather than by user address, as {@code IOMMU_IOAS_MAP_FILE} does (SPI 1.6). Implemented by the
 * host, never by a provider.
 */
public interface MemFile {
    /** The file's size in bytes now ({@code i_size}). */
    long size();

    /**
     * Pins, long-term, up to {@code maxPages} host pages from byte {@code offset} (page-aligned)
     * that are physically contiguous (the kernel's {@code memfd_pin_folios}); {@link
     * PinnedRun#vaddr()} is the file offset. Release with the host's unpin of the frames.
     *
     * @throws VfioException EINVAL if {@code offset} is at or past the end of the file
     */
    PinnedRun pinRun(long offset, long maxPages, boolean write);

    /** Copies file bytes out from {@code offset}. @throws VfioException EFAULT past the end */
    void read(long offset, byte[] dst, int dstOffset, int length);

    /** Copies bytes into the file at {@code offset}. @throws VfioException EFAULT past the end */
    void write(long offset, byte[] src, int srcOffset, int length);
}
