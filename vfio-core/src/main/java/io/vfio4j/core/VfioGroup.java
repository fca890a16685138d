package io.vfio4j.core;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An open VFIO group ({@code /dev/vfio/<n>}): a hardware IOMMU group, an emulated group (one
 * mediated device) or a no-IOMMU group. The kernel's rules (group.c):
 *
 * <ul>
 *   <li>{@link #setContainer}: EINVAL if already in a container; EPERM if the group is not viable
 *       (a device is bound to a host driver other than VFIO, so its DMA ownership cannot be
 *       claimed) or it is a no-IOMMU group and the caller lacks CAP_SYS_RAWIO; the backend's error
 *       if it refuses the group;
 *   <li>{@link #unsetContainer}: EINVAL if not in a container, EBUSY while a device is open;
 *   <li>{@link #openDevice}: EINVAL unless the group's container has a backend set; ENODEV for a
 *       device not in the group.
 * </ul>
 */
public final class VfioGroup implements VfioGroupHandle {
    private final Vfio vfio;
    private final int id;
    private final GroupKind kind;
    private final IommuGroup iommuGroup;
    private final Map<String, VfioDevice> devices = new LinkedHashMap<>();
    private final Map<String, String> hostDrivers = new TreeMap<>();
    private VfioContainer container;
    private boolean removed;

    VfioGroup(Vfio vfio, int id, GroupKind kind, IommuGroup iommuGroup) {
        this.vfio = vfio;
        this.id = id;
        this.kind = kind;
        this.iommuGroup = iommuGroup;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public GroupKind kind() {
        return kind;
    }

    @Override
    public Optional<IommuGroup> iommuGroup() {
        return Optional.ofNullable(iommuGroup);
    }

    synchronized void addDevice(String name, VfioDeviceDriver driver) {
        if (devices.containsKey(name)) {
            throw new IllegalArgumentException("device " + name + " is already in " + describe());
        }
        devices.put(name, new VfioDevice(vfio, this, name, driver));
    }

    /** Whether {@link Vfio#removeVirtualGroup} removed the group. */
    public synchronized boolean isRemoved() {
        return removed;
    }

    /** Drops the devices (EBUSY if one is open) and refuses any later attach. */
    synchronized void markRemoved() {
        for (VfioDevice d : devices.values()) {
            if (d.isOpen()) {
                throw VfioException.of(Errno.EBUSY, "device %s is open", d.name());
            }
        }
        devices.clear();
        removed = true;
    }

    /** The devices of the group, in the order they were added. */
    public synchronized List<VfioDevice> devices() {
        return new ArrayList<>(devices.values());
    }

    /**
     * Binds a device to a host (non-VFIO) driver, as when a kernel driver claims it. The group is
     * then not viable until {@link #unbindHostDriver} (the kernel refuses to hand DMA ownership of
     * the group to userspace).
     */
    public synchronized void bindHostDriver(String device, String driverName) {
        device(device);
        hostDrivers.put(device, driverName);
    }

    public synchronized void unbindHostDriver(String device) {
        hostDrivers.remove(device);
    }

    /** {@code VFIO_GROUP_FLAGS_VIABLE}: every device is bound to VFIO or to no driver. */
    public synchronized boolean isViable() {
        return hostDrivers.isEmpty();
    }

    /** {@code VFIO_GROUP_FLAGS_CONTAINER_SET}. */
    public synchronized Optional<VfioContainer> container() {
        return Optional.ofNullable(container);
    }

    /**
     * {@code VFIO_GROUP_SET_CONTAINER}.
     *
     * @throws VfioException ENODEV if the group was removed (as the kernel's {@code
     *     vfio_group_fops_open} once the group has no driver left); EINVAL, EPERM or the backend's
     *     error (see the class comment)
     * @throws NullPointerException naming the parameter for a null caller or container
     */
    public void setContainer(Task caller, VfioContainer target) {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(target, "container");
        vfio.operation(
                () -> describe() + " SET_CONTAINER " + target,
                () -> {
                    synchronized (this) {
                        if (removed) {
                            throw VfioException.of(Errno.ENODEV, "%s was removed", describe());
                        }
                        if (container != null) {
                            throw VfioException.of(
                                    Errno.EINVAL, "%s is already in %s", describe(), container);
                        }
                        if (!isViable()) {
                            throw VfioException.of(
                                    Errno.EPERM,
                                    "%s is not viable: device(s) bound to host drivers %s",
                                    describe(),
                                    hostDrivers);
                        }
                        if (kind == GroupKind.NO_IOMMU && !caller.capSysRawio()) {
                            throw VfioException.of(
                                    Errno.EPERM,
                                    "%s is a no-IOMMU group: the caller needs CAP_SYS_RAWIO",
                                    describe());
                        }
                        target.attach(this);
                        container = target;
                    }
                    return null;
                });
    }

    /**
     * {@code VFIO_GROUP_UNSET_CONTAINER}.
     *
     * @throws VfioException EINVAL if not in a container; EBUSY while a device is open
     */
    public void unsetContainer() {
        vfio.operation(
                () -> describe() + " UNSET_CONTAINER",
                () -> {
                    synchronized (this) {
                        if (container == null) {
                            throw VfioException.of(
                                    Errno.EINVAL, "%s is not in a container", describe());
                        }
                        for (VfioDevice d : devices.values()) {
                            if (d.isOpen()) {
                                throw VfioException.of(
                                        Errno.EBUSY,
                                        "%s: device %s is still open",
                                        describe(),
                                        d.name());
                            }
                        }
                        VfioContainer c = container;
                        c.detach(this);
                        container = null;
                    }
                    return null;
                });
    }

    /**
     * {@code VFIO_GROUP_GET_DEVICE_FD}: opens a device of the group.
     *
     * @throws VfioException EINVAL if the group's container has no backend; ENODEV for an unknown
     *     device; the driver's error if its open fails
     */
    public VfioDevice openDevice(String name) {
        vfio.ensureOpen();
        Objects.requireNonNull(name, "name");
        VfioDevice d;
        synchronized (this) {
            if (container == null || container.backendName().isEmpty()) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "%s: open of %s needs a container with an IOMMU backend set",
                        describe(),
                        name);
            }
            d = devices.get(name);
            if (d == null) {
                throw VfioException.of(
                        Errno.ENODEV,
                        "%s has no device %s; it has %s",
                        describe(),
                        name,
                        devices.keySet());
            }
        }
        d.open();
        return d;
    }

    /** A device of the group, open or not. */
    public synchronized VfioDevice device(String name) {
        VfioDevice d = devices.get(name);
        if (d == null) {
            throw new IllegalArgumentException(
                    describe() + " has no device " + name + "; it has " + devices.keySet());
        }
        return d;
    }

    @Override
    public String toString() {
        return describe();
    }
}
