package io.vfio4j.examples.drivers;

import io.vfio4j.host.SimHost;

/**
 * A deliberately buggy {@link VgpuDriver} for tests: at close, each device unpins all but its last
 * {@code leakPages} pinned pages. vfio4j catches the leftover pins when the device's group leaves
 * the container, unpins them and reports a {@link io.vfio4j.api.VendorLeak} naming the device.
 */
public final class LeakyVgpuDriver extends VgpuDriver {
    private final int leakPages;

    public LeakyVgpuDriver(SimHost host, int leakPages) {
        super(host);
        if (leakPages < 0) {
            throw new IllegalArgumentException("negative leak " + leakPages);
        }
        this.leakPages = leakPages;
    }

    @Override
    public String name() {
        return "leakyvgpu";
    }

    @Override
    protected int leakPages() {
        return leakPages;
    }
}
