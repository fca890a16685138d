package io.vfio4j.mdev;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.Task;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot plug and unplug of devices into a running VM, i.e. a container whose IOMMU backend is set
 * (the VMM's side of the five combinations of the 2016 review):
 *
 * <ul>
 *   <li>mediated device: plug = create + attach its group to the container + open; unplug = close
 *       (the vendor unpins) + detach + remove;
 *   <li>passthrough device: plug = attach its IOMMU group + open (type1 replays the guest's
 *       mappings into a new domain when it is the first); unplug = close + detach (the last domain
 *       leaving makes type1 re-account to the external pins).
 * </ul>
 *
 * A plug that fails undoes its earlier steps, so it leaves no trace. An unplug never fails for a
 * buggy vendor: pins left after close are unpinned by the backend at detach and reported in {@link
 * io.vfio4j.core.Vfio#vendorLeaks()}.
 */
public final class HotPlug {
    private static final Logger LOG = LoggerFactory.getLogger(HotPlug.class);

    private final MdevBus bus;

    public HotPlug(MdevBus bus) {
        this.bus = Objects.requireNonNull(bus, "bus");
    }

    /**
     * Creates a mediated device, attaches its group to {@code container} and opens it.
     *
     * @throws VfioException EINVAL if the container has no IOMMU backend set (no running VM);
     *     otherwise the error of the step that failed, with the earlier steps undone
     */
    public MdevDevice plugMdev(MdevType type, UUID uuid, Task vmm, VfioContainer container) {
        requireRunning(container, "hot plug of mdev " + uuid);
        MdevDevice d = bus.create(type, uuid);
        try {
            d.group().setContainer(vmm, container);
        } catch (RuntimeException e) {
            bus.remove(uuid);
            throw e;
        }
        try {
            d.group().openDevice(d.name());
        } catch (RuntimeException e) {
            d.group().unsetContainer();
            bus.remove(uuid);
            throw e;
        }
        LOG.info("hot plugged {} into {}", d, container);
        return d;
    }

    /**
     * Unplugs a mediated device: closes every open of it (the vendor must unpin), detaches its
     * group from its container and removes the device.
     *
     * @throws VfioException ENODEV if the device was removed already
     */
    public void unplugMdev(MdevDevice device) {
        Objects.requireNonNull(device, "device");
        if (device.isRemoved()) {
            throw VfioException.of(Errno.ENODEV, "mdev %s was removed already", device.name());
        }
        bus.surpriseRemove(device.uuid());
        LOG.info("hot unplugged {}", device);
    }

    /**
     * Attaches a passthrough (IOMMU-backed) group to {@code container} and opens {@code device}.
     *
     * @throws VfioException EINVAL if the container has no IOMMU backend set; the backend's error
     *     from attach (type1: ENOMEM when the replay exceeds RLIMIT_MEMLOCK), with nothing left
     *     attached; ENODEV for a device not in the group
     */
    public VfioDevice plugPassthrough(
            VfioGroup group, String device, Task vmm, VfioContainer container) {
        Objects.requireNonNull(group, "group");
        if (group.kind() != GroupKind.IOMMU) {
            throw new IllegalArgumentException(group.describe() + " is not a passthrough group");
        }
        requireRunning(container, "hot plug of " + device);
        group.setContainer(vmm, container);
        try {
            VfioDevice d = group.openDevice(device);
            LOG.info("hot plugged passthrough {} ({}) into {}", device, group, container);
            return d;
        } catch (RuntimeException e) {
            group.unsetContainer();
            throw e;
        }
    }

    /**
     * Unplugs a passthrough device: closes it and detaches its group, unless another device of the
     * group is still open (then the group stays).
     */
    public void unplugPassthrough(VfioDevice device) {
        Objects.requireNonNull(device, "device");
        while (device.isOpen()) {
            device.close();
        }
        VfioGroup g = device.vfioGroup();
        boolean othersOpen = g.devices().stream().anyMatch(VfioDevice::isOpen);
        if (!othersOpen && g.container().isPresent()) {
            g.unsetContainer();
        }
        LOG.info("hot unplugged passthrough {} ({})", device.name(), g);
    }

    private static void requireRunning(VfioContainer container, String what) {
        Objects.requireNonNull(container, "container");
        if (container.backendName().isEmpty()) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s: %s has no IOMMU backend set (the VM is not running)",
                    what,
                    container);
        }
    }
}
