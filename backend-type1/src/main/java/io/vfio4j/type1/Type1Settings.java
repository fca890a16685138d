package io.vfio4j.type1;

import io.vfio4j.api.BackendSettings;
import java.util.Set;

/**
 * The backend's settings ({@code vfio4j.backend.type1.*}).
 *
 * @param dmaEntryLimit the most mappings per container (the kernel's {@code dma_entry_limit} module
 *     parameter, CVE-2019-3882)
 * @param strictUnpin refuse (EINVAL) an unpin of a page the device does not hold, instead of the
 *     kernel's silent no-op
 * @param allowUnsafeInterrupts accept IOMMU groups without interrupt remapping (the kernel's {@code
 *     allow_unsafe_interrupts} module parameter)
 */
record Type1Settings(long dmaEntryLimit, boolean strictUnpin, boolean allowUnsafeInterrupts) {
    static final String DMA_ENTRY_LIMIT = "dma-entry-limit";
    static final String STRICT_UNPIN = "strict-unpin";
    static final String ALLOW_UNSAFE_INTERRUPTS = "allow-unsafe-interrupts";
    static final Set<String> KEYS = Set.of(DMA_ENTRY_LIMIT, STRICT_UNPIN, ALLOW_UNSAFE_INTERRUPTS);

    static final long DEFAULT_DMA_ENTRY_LIMIT = 65535;

    static Type1Settings from(BackendSettings s) {
        return new Type1Settings(
                s.getLong(DMA_ENTRY_LIMIT, DEFAULT_DMA_ENTRY_LIMIT, 0, 0xFFFF_FFFFL),
                s.getBoolean(STRICT_UNPIN, false),
                s.getBoolean(ALLOW_UNSAFE_INTERRUPTS, false));
    }
}
