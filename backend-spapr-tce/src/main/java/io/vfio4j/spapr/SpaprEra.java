package io.vfio4j.spapr;

import io.vfio4j.api.KernelVersion;

/**
 * What the kernel era ({@link io.vfio4j.api.DriverContext#kernel()}) changes in the SPAPR backend
 * (docs/reference/spapr-tce.md §2.7, §2.8, §7 Q4/Q5). A new era adds a flag here and a check where
 * the kernel changed; the core is not involved.
 *
 * @param before51 the ≤5.0 preregistration code ({@code mm_iommu_get} in
 *     arch/powerpc/mm/mmu_context_iommu.c): an overlap with a registered region is refused before
 *     the charge and the pinning, so it is EINVAL even when the charge would fail (ENOMEM) or a
 *     page cannot be pinned (EFAULT); ≥5.1 ({@code mm_iommu_do_alloc}) charges and pins first. The
 *     ≤5.0 UNREGISTER (EBUSY for a mapped region) and REGISTER (EFAULT for an unpinnable page) are
 *     the model's answers in every era; from 5.1 they are deviations S-Q4 and S-Q5
 *     (docs/deviations.md), the reference's recommended choice.
 */
record SpaprEra(KernelVersion kernel, boolean before51) {
    static final KernelVersion V5_1 = KernelVersion.of(5, 1);

    static SpaprEra of(KernelVersion kernel) {
        return new SpaprEra(kernel, !kernel.atLeast(V5_1));
    }

    /** How a refusal the ≤5.0 kernel shares is described: the kernel's answer, or a deviation. */
    String q(String deviation, String since51) {
        return before51
                ? "as kernel " + kernel + " answers"
                : "deviation " + deviation + "; kernel " + kernel + " " + since51;
    }
}
