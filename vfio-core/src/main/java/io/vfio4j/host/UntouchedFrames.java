package io.vfio4j.host;

import io.vfio4j.api.host.PinnedRun;

/**
 * Anonymous small-page memory no fault has populated yet, on a host of a kernel before 6.2. There a
 * read fault maps the shared zero page (mm/memory.c {@code do_anonymous_page}) and a long-term read
 * pin takes that page as it is; from 6.2 on ("mm/gup: reliable R/O long-term pinning in COW
 * mappings", with "mm: extend FAULT_FLAG_UNSHARE support to anything in a COW mapping", Nov 2022)
 * GUP unshares it into a fresh anonymous page first, so the pin gets a page of its own. vfio type1
 * treats the zero page as reserved ({@code is_invalid_reserved_pfn}; 6.0's "vfio/type1: Unpin zero
 * pages" drops the pin at once), so before 6.2 a read-only MAP_DMA of never-touched memory is not
 * charged to locked_vm.
 *
 * <p>Only a host built for such a kernel keeps this record, so later eras pay nothing for it. A
 * frame is touched by a CPU write and by any pin of it (a write pin faults it in for write).
 * Thread-safe.
 */
final class UntouchedFrames {
    private final SimPhysicalMemory memory;
    private final IntervalSet touched = new IntervalSet();
    private long zeroPfn = -1;

    UntouchedFrames(SimPhysicalMemory memory) {
        this.memory = memory;
    }

    synchronized void touch(long pfn, long pages) {
        touched.add(pfn, pages);
    }

    /**
     * The run a long-term pin of {@code run} gets: for write, the run itself (now touched); for
     * read, its touched prefix, or, if its first frame was never touched, one page of the shared
     * zero page as a reserved run (never pinned or counted).
     */
    synchronized PinnedRun pin(PinnedRun run, boolean write) {
        if (write) {
            touched.add(run.pfn(), run.pages());
            return run;
        }
        long same = touched.sameFrom(run.pfn(), run.pages());
        if (touched.contains(run.pfn())) {
            return same == run.pages()
                    ? run
                    : new PinnedRun(run.vaddr(), run.pfn(), same, false, run.backingPageShift());
        }
        return new PinnedRun(run.vaddr(), zeroPfn(), 1, true, run.backingPageShift());
    }

    /** The zero page's frame: allocated on first use, so other hosts' frame numbers do not move. */
    synchronized long zeroPfn() {
        if (zeroPfn < 0) {
            zeroPfn = memory.allocateRam(1, 0, 1);
        }
        return zeroPfn;
    }
}
