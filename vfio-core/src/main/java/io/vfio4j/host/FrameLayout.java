package io.vfio4j.host;

/**
 * Where the frames of one mapping live, computed rather than stored. The mapping's {@code pages}
 * are cut into runs of {@code runPages} physically contiguous frames (the last run may be shorter:
 * the tail). The frames of all runs form one contiguous reservation from {@code basePfn}, but in
 * reverse run order, so that consecutive runs are never physically adjacent in the forward
 * direction, as with real fragmented memory:
 *
 * <pre>
 *   physical: [tail][run F-1][run F-2] ... [run 1][run 0]   (F = pages / runPages full runs)
 * </pre>
 *
 * The full runs start at {@code basePfn + tail}, which the allocator aligns to the backing page
 * size, so huge pages stay naturally aligned.
 *
 * @param basePfn first frame of the reservation
 * @param pages frames in the reservation
 * @param runPages frames per physically contiguous run
 */
public record FrameLayout(long basePfn, long pages, long runPages) {
    public FrameLayout {
        if (basePfn < 0 || pages <= 0 || runPages <= 0) {
            throw new IllegalArgumentException(
                    "bad frame layout: base " + basePfn + " pages " + pages + " run " + runPages);
        }
    }

    /** Frames of the short last run (0 if {@code pages} is a multiple of {@code runPages}). */
    public long tailPages() {
        return pages % runPages;
    }

    /** The frame of page {@code index} (0-based) of the mapping. */
    public long pfn(long index) {
        long run = runOf(index);
        long offset = index - run * runPages;
        long fullRuns = runOf(pages);
        if (run < fullRuns) {
            return basePfn
                    + (pages - fullRuns * runPages)
                    + (fullRuns - 1 - run) * runPages
                    + offset;
        }
        return basePfn + offset;
    }

    /** How many frames from page {@code index} on are physically contiguous (to its run's end). */
    public long contiguousFrom(long index) {
        long run = runOf(index);
        long offset = index - run * runPages;
        long runLength = run < runOf(pages) ? runPages : tailPages();
        return runLength - offset;
    }

    /**
     * {@code index / runPages}, with a shift for the usual power-of-two run (every pin asks; a
     * 64-bit division costs tens of cycles).
     */
    private long runOf(long index) {
        if ((runPages & (runPages - 1)) == 0) {
            return index >>> Long.numberOfTrailingZeros(runPages);
        }
        return index / runPages;
    }

    /** Runs in the mapping. */
    public long runCount() {
        return pages / runPages + (tailPages() == 0 ? 0 : 1);
    }
}
