package io.vfio4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the pages (or TCE entries) a benchmark operation handled, so that JMH reports them as a
 * rate next to the operation rate: the {@code pages} row of a throughput run is pages per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class PageCounter {
    /** Pages handled in this iteration; JMH divides by the iteration time. */
    public long pages;

    @Setup(Level.Iteration)
    public void reset() {
        pages = 0;
    }
}
