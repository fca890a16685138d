package io.vfio4j.examples.drivers;

import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevDeviceOps;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.MdevVendorDriver;
import java.util.List;

/**
 * A serial-port vendor driver in the spirit of the kernel's samples/vfio-mdev/mtty.c: types {@code
 * mtty-1} (one port) and {@code mtty-2} (two ports). mtty shares 24 ports between its types; vfio4j
 * counts instances per type, so the counts here are 24 and 12. Its devices copy through IOVAs with
 * dma_rw and never pin, so they register no DMA-unmap callback.
 */
public final class SerialDriver implements MdevVendorDriver {
    public static final List<MdevTypeSpec> TYPES =
            List.of(
                    new MdevTypeSpec("1", "Single port serial", 24),
                    new MdevTypeSpec("2", "Dual port serial", 12));

    @Override
    public String name() {
        return "mtty";
    }

    @Override
    public MdevDeviceOps create(MdevDevice device) {
        int ports = Integer.parseInt(device.type().sysfsName());
        return new SerialPorts(device.name(), ports);
    }
}
