package io.vfio4j.api.host;

import io.vfio4j.api.VfioException;

/** The simulated host as a backend sees it. */
public interface HostView {
    /** The host page size ({@code PAGE_SIZE}) in bytes: 4 KiB on x86, 64 KiB on POWER hosts. */
    long pageSize();

    /** log2 of {@link #pageSize()}. */
    default int pageShift() {
        return Long.numberOfTrailingZeros(pageSize());
    }

    /** Physical memory: unpin, pin counts, contents. */
    PhysicalMemory memory();

    /**
     * The host architecture (SPI 1.1). The default keeps hosts written against SPI 1.0 compiling;
     * the simulated host always answers with its own platform.
     */
    default HostPlatform hostPlatform() {
        return HostPlatform.X86_64;
    }

    /** True if the platform has EEH (POWER error recovery) enabled. */
    boolean eehEnabled();

    /**
     * A kernel allocation point (a {@code kzalloc} of a mapping or pin record). Backends call it
     * where the kernel allocates, so fault injection can make any of them fail.
     *
     * @param site what is being allocated, for reports
     * @throws VfioException ENOMEM when a fault is injected here
     */
    void allocation(String site);
}
