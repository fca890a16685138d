package io.vfio4j.api.host;

/**
 * A run of pages that are contiguous both in the user address space and in physical memory.
 *
 * @param vaddr first user address of the run
 * @param pfn first page frame number (host page size)
 * @param pages number of host pages, at least 1
 * @param reserved true for frames without a page struct (PFNMAP device memory), and for the shared
 *     zero page a kernel before 6.2 hands a long-term read pin of never-touched anonymous memory
 *     (one page per run): never pinned, never counted in {@code locked_vm}
 * @param backingPageShift log2 of the backing page size: 12 for 4 KiB pages, 21 for a 2 MiB THP or
 *     hugetlb page, 30 for 1 GiB
 */
public record PinnedRun(long vaddr, long pfn, long pages, boolean reserved, int backingPageShift) {
    public PinnedRun {
        if (pages <= 0) {
            throw new IllegalArgumentException("a run has at least one page: " + pages);
        }
    }
}
