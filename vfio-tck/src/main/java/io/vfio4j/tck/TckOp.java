package io.vfio4j.tck;

/**
 * One step of a random operation sequence, in units of host pages from {@link
 * TckSystem#iovaBase()}. Steps are backend-agnostic; {@link AccountingRun} interprets each one
 * according to the declared capabilities (a step a backend cannot do must be refused).
 */
public sealed interface TckOp {
    /** MAP_DMA of guest RAM. */
    record Map(int page, int pages) implements TckOp {}

    /** UNMAP_DMA. */
    record Unmap(int page, int pages) implements TckOp {}

    /** A vendor device pins pages. */
    record Pin(int page, int pages) implements TckOp {}

    /** A vendor device unpins pages (pinned or not). */
    record Unpin(int page, int pages) implements TckOp {}

    /** The toggled group joins the container, or leaves it. */
    record Toggle() implements TckOp {}
}
