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
}
