package io.vfio4j.host;

/** Receives the pinned frames of {@link SimPhysicalMemory} as maximal runs of equal pin count. */
@FunctionalInterface
public interface PinSegmentVisitor {
    /**
     * @param pfn first frame of the segment
     * @param pages frames in the segment, at least 1
     * @param pinsPerFrame the pin count of every frame in the segment, at least 1
     */
    void visit(long pfn, long pages, long pinsPerFrame);
}
