package io.vfio4j.api;

/** Events a backend reports to the runtime, which logs them and keeps them for inspection. */
public interface VfioEventSink {
    /**
     * A vendor driver left pins behind when its group left the container. vfio4j unpins and
     * un-charges them (the 2016 design; the kernel leaks them with a warning) and reports them
     * here.
     */
    void vendorLeak(VendorLeak leak);

    /** The host kernel is tainted (e.g. a no-IOMMU group was used). */
    void taint(String reason);

    /**
     * The backend hit a condition the kernel answers with {@code WARN_ON} (or {@code WARN_ONCE}):
     * the call goes on or is ignored as in the kernel, and the runtime logs the message and counts
     * it in its warnings so tests and users see it. The default drops it (a sink that only records
     * leaks and taints).
     */
    default void kernelWarn(String message) {}
}
