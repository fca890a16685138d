package io.vfio4j.type1;

import io.vfio4j.api.KernelVersion;

/**
 * What the kernel era ({@link io.vfio4j.api.DriverContext#kernel()}) changes in type1: one flag per
 * mainline change, so a new era adds a flag here and a check where the kernel changed, nothing in
 * the core. See docs/scenarios.md (kernel eras) for the list and the test of each.
 *
 * @param overflowIsEoverflow MAP and UNMAP ranges that wrap past 2^64 are EOVERFLOW, and MAP checks
 *     the wrap before alignment (6.18, drivers/vfio/vfio_iommu_type1.c {@code vfio_dma_do_map},
 *     {@code vfio_dma_do_unmap}: {@code check_add_overflow}); before: EINVAL after alignment
 * @param unmapReachesTopOfSpace an UNMAP whose range ends at 2^64 finds the mappings there (6.18,
 *     {@code vfio_find_dma_first_node} with an inclusive end); before, {@code iova + size} wraps to
 *     0, the walk finds nothing and the UNMAP returns size 0, leaving the mapping
 * @param reportsNesting CHECK_EXTENSION(TYPE1_NESTING) answers 1: up to 6.12 ({@code
 *     vfio_iommu_type1_check_extension}; 6.12 observed answering 1); "vfio: Remove
 *     VFIO_TYPE1_NESTING_IOMMU" took it out in the 6.13 cycle, and 7.2 answers 0
 * @param alignsCapabilities GET_INFO pads each capability to 8 bytes, so the 12-byte DMA_AVAIL
 *     capability takes 16 (6.6, drivers/vfio/vfio_main.c {@code vfio_info_cap_add}: "vfio: align
 *     capability structures", a881b496941f); before, the chain is packed and a full answer is 4
 *     bytes shorter (measured: 116 bytes on 6.1, 120 on 6.12 and 7.2)
 */
record Type1Era(
        KernelVersion kernel,
        boolean overflowIsEoverflow,
        boolean unmapReachesTopOfSpace,
        boolean reportsNesting,
        boolean alignsCapabilities) {
    static final KernelVersion V6_6 = KernelVersion.of(6, 6);
    static final KernelVersion V6_13 = KernelVersion.of(6, 13);
    static final KernelVersion V6_18 = KernelVersion.of(6, 18);

    static Type1Era of(KernelVersion kernel) {
        boolean v618 = kernel.atLeast(V6_18);
        return new Type1Era(kernel, v618, v618, !kernel.atLeast(V6_13), kernel.atLeast(V6_6));
    }
}
