package io.vfio4j.replay;

/**
 * One line of a trace, read. Only {@link MapCall} and {@link UnmapCall} become container ioctls. A
 * call whose source prints after the ioctl (an error print, an iommufd event, a vfio-user server's
 * rejection) and that names the range of the listener call just before it is that call's recorded
 * result, not a second call ({@link CallMerger}).
 */
public sealed interface TraceEvent {
    /** The 1-based line number in the trace file. */
    long line();

    /** A recorded result is not known. */
    int UNKNOWN = -1;

    /** The VMM saw the call fail, and the line does not say with which errno. */
    int FAILED = -2;

    /** Where a call was read from. */
    enum Source {
        /** {@code vfio_listener_region_add_ram} / {@code vfio_listener_region_del}. */
        LISTENER,
        /** {@code vfio_iommu_map_notify} MAP or UNMAP (a vIOMMU guest). */
        VIOMMU,
        /** QEMU's iommufd backend events, which carry their result. */
        IOMMUFD,
        /**
         * QEMU's print {@code vfio_dma_map(...) = -errno}: the result of the listener call before
         * it with the same range, else a call of its own.
         */
        ERROR_PRINT,
        /** A vfio-user server's log ({@code adding/removing DMA region}). */
        VFIO_USER
    }

    /**
     * {@code VFIO_IOMMU_MAP_DMA}.
     *
     * @param vaddr QEMU's host address, or {@link #UNKNOWN} where the line has none (vIOMMU MAP,
     *     iommufd MAP_FILE, a vfio-user server)
     * @param readOnly the line says the mapping is read-only (iommufd {@code readonly=1}, a
     *     vfio-user {@code prot}/{@code flags} without write)
     * @param recordedErrno what the VMM saw: 0, a positive errno, {@link #FAILED} or {@link
     *     #UNKNOWN}
     */
    record MapCall(
            long line,
            long iova,
            long size,
            long vaddr,
            boolean readOnly,
            Source source,
            int recordedErrno)
            implements TraceEvent {}

    /**
     * {@code VFIO_IOMMU_UNMAP_DMA}; {@code size} is unsigned, and 0 with {@code wholeSpace} for a
     * range of 2^64 bytes (the whole IOVA space), which QEMU's legacy container sends as two calls.
     */
    record UnmapCall(
            long line, long iova, long size, boolean wholeSpace, Source source, int recordedErrno)
            implements TraceEvent {}

    /** {@code vfio_listener_region_add_no_dma_map}: the region_add before it maps nothing. */
    record CancelMap(long line) implements TraceEvent {}

    /** {@code vfio_realize} / {@code vfio_attach_device}: a group joins the container. */
    record GroupAttach(long line, int group, String device) implements TraceEvent {}

    /**
     * {@code vfio_region_mmap}: a device region (a BAR, or one piece of it around the MSI-X table)
     * was mmap'ed. It issues no ioctl; a later {@code region_add [ram]} of the same size maps that
     * device memory (ram_device) for peer-to-peer.
     */
    record BarMmap(long line, String region, long size) implements TraceEvent {}

    /**
     * {@code vfio_listener_region_add_skip}: a section the listener did not map (MMIO such as an
     * MSI-X table inside a BAR). It issues no ioctl; it explains a hole in a BAR mapped in pieces.
     */
    record SkippedSection(long line, long iova, long size) implements TraceEvent {}

    /** A known event that issues no container ioctl (skip events, device events). */
    record Informational(long line, String event) implements TraceEvent {}

    /** A line that is not replayed: cut mid-way, a continuation, an unknown event. */
    record Skipped(long line, String reason) implements TraceEvent {}
}
