package io.vfio4j.api;

/**
 * The model of a kernel {@code BUG_ON}: a state the kernel treats as fatal, not as an error to
 * return. For example type1 gives up after the 11th DMA-unmap notification of a mapping whose pins
 * a vendor driver never released. It is an {@link Error} on purpose: no caller should treat it as a
 * normal failure, and the system that raised it must be considered broken.
 */
public class KernelBugError extends Error {
    private static final long serialVersionUID = 1L;

    public KernelBugError(String message) {
        super("kernel BUG: " + message);
    }
}
