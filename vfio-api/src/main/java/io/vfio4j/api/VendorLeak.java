package io.vfio4j.api;

import java.util.List;
import java.util.Objects;

/**
 * Pins a vendor driver still held when its group left the container.
 *
 * @param backend the backend that found them
 * @param device the device that held the references
 * @param iovas the page-aligned IOVAs it held, in ascending order
 * @param references the references dropped (at least {@code iovas.size()})
 */
public record VendorLeak(String backend, String device, List<Long> iovas, long references) {
    public VendorLeak {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(device, "device");
        iovas = List.copyOf(iovas);
    }
}
