package io.vfio4j.examples.drivers;

import java.util.Objects;

/**
 * Thrown by a simulated passthrough device when its DMA does not translate in its IOMMU domain. It
 * is a hardware event, not an errno: the device's DMA simply does not happen (nothing is read or
 * written), and the fault is also kept in the device's log ({@link PassthroughGpu#faults()}).
 */
public final class DmaFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient DmaFault fault;

    public DmaFaultException(DmaFault fault) {
        super(Objects.requireNonNull(fault, "fault").toString());
        this.fault = fault;
    }

    public DmaFault fault() {
        return fault;
    }
}
