package io.vfio4j.core;

import java.util.List;

/**
 * What {@link Vfio#close()} does, in the order the kernel's file release runs when a process exits
 * (drivers/vfio/vfio_main.c {@code vfio_device_fops_release}, then drivers/vfio/group.c {@code
 * vfio_group_fops_release} and container.c {@code vfio_group_detach_container}): device files
 * first, since an open device keeps its group in the container; then the groups, the last of which
 * releases the container's backend.
 */
final class VfioRelease {
    private final Vfio vfio;

    VfioRelease(Vfio vfio) {
        this.vfio = vfio;
    }

    void releaseAll(List<VfioGroup> groups) {
        for (VfioGroup g : groups) {
            for (VfioDevice d : g.devices()) {
                closeFully(d);
            }
        }
        for (VfioGroup g : groups) {
            if (g.container().isPresent()) {
                try {
                    g.unsetContainer();
                } catch (RuntimeException e) {
                    vfio.warn("close: " + g.describe() + " could not leave its container: " + e);
                }
            }
        }
    }

    /** Closes every open of the device; each close drops one reference even when it fails. */
    private void closeFully(VfioDevice d) {
        while (d.isOpen()) {
            try {
                d.close();
            } catch (RuntimeException e) {
                vfio.warn("close: device " + d.name() + " failed to close: " + e);
            }
        }
    }
}
