package io.vfio4j.examples.drivers;

import io.vfio4j.host.SimHost;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevDeviceOps;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.MdevVendorDriver;
import java.util.List;
import java.util.Objects;

/**
 * The sample vGPU vendor driver: carves {@link VgpuDevice}s out of a physical GPU. Types are named
 * after a datacenter GPU's profiles ({@code vgpu-v100-1q}, {@code vgpu-v100-4q}); each counts its
 * own instances.
 */
public class VgpuDriver implements MdevVendorDriver {
    /** The types a parent offers. */
    public static final List<MdevTypeSpec> TYPES =
            List.of(
                    new MdevTypeSpec("v100-1q", "V100-1Q: 1 GiB framebuffer, 1 head", 16),
                    new MdevTypeSpec("v100-4q", "V100-4Q: 4 GiB framebuffer, 2 heads", 4));

    public static final String TYPE_1Q = "vgpu-v100-1q";
    public static final String TYPE_4Q = "vgpu-v100-4q";

    private final SimHost host;

    public VgpuDriver(SimHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public String name() {
        return "vgpu";
    }

    @Override
    public MdevDeviceOps create(MdevDevice device) {
        return new VgpuDevice(device.name(), host.memory(), host.pageSize(), leakPages());
    }

    /** Pages each device keeps pinned after close: 0 for a correct driver. */
    protected int leakPages() {
        return 0;
    }
}
