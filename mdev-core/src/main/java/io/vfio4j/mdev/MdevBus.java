package io.vfio4j.mdev;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mdev bus of one {@link Vfio}: vendor drivers register parent devices with their types, and
 * mediated devices are created and removed by UUID (the kernel's mdev_core.c and the sysfs {@code
 * create}/{@code remove} attributes of mdev_sysfs.c).
 *
 * <p>Rules, in the kernel's order:
 *
 * <ul>
 *   <li>{@link #create}: a parent whose unregistration started gives ENODEV; a UUID already in use
 *       on the host gives EEXIST; a type with {@code available_instances} 0 gives <b>EUSERS</b>
 *       (what {@code mdev_device_create} returns since 6.1); then the vendor's {@link
 *       MdevVendorDriver#create}, whose error is returned as is. A malformed UUID string gives
 *       EINVAL ({@code guid_parse} in {@code create_store}, mdev_sysfs.c). UUIDs are compared as
 *       parsed values, as {@code mdev_device_create} compares {@code guid_t}s: the same UUID in
 *       another letter case is the same device (EEXIST on a second create).
 *   <li>{@link #remove}: an unknown UUID gives ENODEV; a device that is open, or whose group is
 *       still in a container, gives EBUSY (the kernel would block until userspace lets go; vfio4j
 *       refuses instead). {@link #surpriseRemove} closes the device and detaches its group first.
 *   <li>{@link #unregisterParent} surprise-removes every child of the parent, in creation order,
 *       then the parent's types disappear.
 * </ul>
 *
 * Every refused request leaves no trace: {@code available_instances}, the devices and the groups
 * are as before. Thread-safe; one lock serializes the bus, and vendor callbacks run under it.
 *
 * <p>A runtime wired with {@link MdevModule} has one bus, {@link #of(Vfio)}, holding every parent
 * its modules bind. After {@link Vfio#close()} the bus's devices are still listed (closed and out
 * of their containers, as the kernel keeps mdevs when the VMM exits), and every call that would
 * change the bus throws {@link IllegalStateException} "this Vfio is closed", as the runtime's own
 * calls do.
 */
public final class MdevBus {
    private static final Logger LOG = LoggerFactory.getLogger(MdevBus.class);

    /** What sysfs {@code create} accepts: 36 characters, optionally followed by a newline. */
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\n?");

    private final Vfio vfio;
    private final Object lock = new Object();

    /** Guarded by {@link #lock}; keyed by PCI address, in registration order. */
    private final Map<String, MdevParent> parents = new LinkedHashMap<>();

    /** Guarded by {@link #lock}; every live device on the host, in creation order. */
    private final Map<UUID, MdevDevice> devices = new LinkedHashMap<>();

    public MdevBus(Vfio vfio) {
        this.vfio = Objects.requireNonNull(vfio, "vfio");
    }

    /**
     * The runtime's bus: created on the first call with every parent bound by {@link
     * MdevModule#parent} registered (in PCI-address order); the same bus on every later call. It
     * lives as long as the runtime, whose injector holds it.
     *
     * @throws VfioException as {@link #registerParent} for a bound parent it refuses (EINVAL,
     *     EEXIST); no bus is kept then
     * @throws IllegalStateException if the runtime was built without {@link MdevModule}, or is
     *     closed before its bus was first asked for
     */
    public static MdevBus of(Vfio vfio) {
        return MdevModule.busOf(vfio);
    }

    public Vfio vfio() {
        return vfio;
    }

    Object lock() {
        return lock;
    }

    /**
     * Registers {@code pciAddress} as a parent of mediated devices ({@code mdev_register_parent}).
     *
     * @param types the types it supports, each with its instance count
     * @throws VfioException EEXIST if a parent with that address is registered; EINVAL for a driver
     *     name that does not match {@link MdevVendorDriver#NAME_PATTERN}, no types, or two types
     *     with one name
     */
    public MdevParent registerParent(
            String pciAddress, MdevVendorDriver driver, List<MdevTypeSpec> types) {
        Objects.requireNonNull(pciAddress, "pciAddress");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(types, "types");
        ensureOpen();
        String driverName = driver.name();
        if (driverName == null || !driverName.matches(MdevVendorDriver.NAME_PATTERN)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "vendor driver name '%s' does not match %s",
                    driverName,
                    MdevVendorDriver.NAME_PATTERN);
        }
        if (types.isEmpty()) {
            throw VfioException.of(Errno.EINVAL, "parent %s declares no mdev type", pciAddress);
        }
        Set<String> names = new HashSet<>();
        for (MdevTypeSpec t : types) {
            if (!names.add(t.sysfsName())) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "parent %s declares mdev type %s twice",
                        pciAddress,
                        t.sysfsName());
            }
        }
        synchronized (lock) {
            if (parents.containsKey(pciAddress)) {
                throw VfioException.of(
                        Errno.EEXIST, "%s is already registered as an mdev parent", pciAddress);
            }
            MdevParent p = new MdevParent(this, pciAddress, driver, types);
            parents.put(pciAddress, p);
            LOG.info(
                    "mdev parent {} registered by {}: {}",
                    pciAddress,
                    driverName,
                    p.types().stream().map(MdevType::name).toList());
            return p;
        }
    }

    /**
     * Unregisters a parent ({@code mdev_unregister_parent}): new creates on it fail with ENODEV at
     * once, then every child is surprise-removed in creation order (closed, detached from its
     * container, destroyed), as the kernel walks the parent's children.
     *
     * @throws VfioException ENODEV if the parent is not registered
     */
    public void unregisterParent(MdevParent parent) {
        Objects.requireNonNull(parent, "parent");
        ensureOpen();
        synchronized (lock) {
            if (!parent.registered() || parents.get(parent.name()) != parent) {
                throw VfioException.of(
                        Errno.ENODEV, "%s is not a registered mdev parent", parent.name());
            }
            parent.markUnregistered();
            for (MdevDevice d : List.copyOf(parent.liveChildren())) {
                surpriseRemoveLocked(d);
            }
            parents.remove(parent.name());
            LOG.info("mdev parent {} unregistered", parent.name());
        }
    }

    /** The registered parent with this PCI address. */
    public Optional<MdevParent> parent(String pciAddress) {
        synchronized (lock) {
            return Optional.ofNullable(parents.get(pciAddress));
        }
    }

    /** The registered parents, in registration order. */
    public List<MdevParent> parents() {
        synchronized (lock) {
            return List.copyOf(parents.values());
        }
    }

    /**
     * Writes {@code uuid} to the type's sysfs {@code create} attribute.
     *
     * @throws VfioException EINVAL for a malformed UUID, then as {@link #create(MdevType, UUID)}
     */
    public MdevDevice create(MdevType type, String uuid) {
        Objects.requireNonNull(uuid, "uuid");
        if (!UUID_TEXT.matcher(uuid).matches()) {
            throw VfioException.of(Errno.EINVAL, "'%s' is not a UUID", uuid.strip());
        }
        return create(type, UUID.fromString(uuid.strip()));
    }

    /**
     * Creates a mediated device of {@code type} named {@code uuid} ({@code mdev_device_create}) and
     * its emulated group.
     *
     * @throws VfioException ENODEV if the type's parent is unregistered; EEXIST if the UUID is in
     *     use; EUSERS if the type's {@code available_instances} is 0; the vendor's error from
     *     {@link MdevVendorDriver#create}
     */
    public MdevDevice create(MdevType type, UUID uuid) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(uuid, "uuid");
        MdevParent parent = type.parent();
        ensureOpen();
        synchronized (lock) {
            if (parents.get(parent.name()) != parent || !parent.registered()) {
                throw VfioException.of(
                        Errno.ENODEV,
                        "create %s: parent %s is not registered",
                        MdevDevice.name(uuid),
                        parent.name());
            }
            if (devices.containsKey(uuid)) {
                throw VfioException.of(
                        Errno.EEXIST,
                        "an mdev named %s exists already (%s)",
                        MdevDevice.name(uuid),
                        devices.get(uuid).type().name());
            }
            if (type.liveDevices().size() >= type.maxInstances()) {
                throw VfioException.of(
                        Errno.EUSERS,
                        "create %s: %s has no available instance (all %d in use)",
                        MdevDevice.name(uuid),
                        type.name(),
                        type.maxInstances());
            }
            MdevDevice d = new MdevDevice(this, uuid, type);
            // Reserve first, as the kernel takes the instance before probing the driver.
            reserve(d);
            MdevDeviceOps ops = null;
            try {
                ops =
                        Objects.requireNonNull(
                                parent.driver().create(d),
                                () -> parent.driver().name() + ".create returned null");
                VfioGroup g =
                        vfio.createVirtualGroup(
                                GroupKind.EMULATED, d.name(), new MdevVfioDriver(ops));
                d.created(ops, g);
            } catch (RuntimeException e) {
                if (ops != null) {
                    ops.remove();
                }
                release(d);
                throw e;
            }
            LOG.info("mdev {} created: {} on {}", d.name(), type.name(), parent.name());
            return d;
        }
    }

    /**
     * Writes 1 to the device's sysfs {@code remove} attribute: destroys a device that userspace has
     * let go of.
     *
     * @throws VfioException ENODEV for an unknown UUID; EBUSY while the device is open or its group
     *     is in a container
     */
    public void remove(UUID uuid) {
        ensureOpen();
        synchronized (lock) {
            MdevDevice d = requireDevice(uuid);
            if (d.vfioDevice().isOpen()) {
                throw VfioException.of(Errno.EBUSY, "remove %s: the device is open", d.name());
            }
            if (d.group().container().isPresent()) {
                throw VfioException.of(
                        Errno.EBUSY,
                        "remove %s: %s is still in %s",
                        d.name(),
                        d.group().describe(),
                        d.group().container().get());
            }
            destroy(d);
        }
    }

    /**
     * Removes a device whether or not userspace still uses it (a surprise hot unplug): every open
     * of the device is closed (the vendor releases its pins), its group leaves its container (a
     * vendor that kept pins is caught there and reported as a leak), then the device is destroyed.
     *
     * @throws VfioException ENODEV for an unknown UUID
     */
    public void surpriseRemove(UUID uuid) {
        ensureOpen();
        synchronized (lock) {
            surpriseRemoveLocked(requireDevice(uuid));
        }
    }

    private void surpriseRemoveLocked(MdevDevice d) {
        VfioDevice vd = d.vfioDevice();
        while (vd.isOpen()) {
            vd.close();
        }
        if (d.group().container().isPresent()) {
            d.group().unsetContainer();
        }
        destroy(d);
    }

    /** The live device with this UUID. */
    public Optional<MdevDevice> device(UUID uuid) {
        synchronized (lock) {
            return Optional.ofNullable(devices.get(uuid));
        }
    }

    /** Every live device, in creation order. */
    public List<MdevDevice> devices() {
        synchronized (lock) {
            return new ArrayList<>(devices.values());
        }
    }

    /** Before the vendor is called: a closed runtime would refuse the group anyway. */
    private void ensureOpen() {
        if (vfio.isClosed()) {
            throw new IllegalStateException("this Vfio is closed");
        }
    }

    private MdevDevice requireDevice(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        MdevDevice d = devices.get(uuid);
        if (d == null) {
            throw VfioException.of(Errno.ENODEV, "no mdev named %s", MdevDevice.name(uuid));
        }
        return d;
    }

    private void destroy(MdevDevice d) {
        vfio.removeVirtualGroup(d.group());
        try {
            d.ops().remove();
        } finally {
            d.markRemoved();
            release(d);
            LOG.info("mdev {} removed", d.name());
        }
    }

    private void reserve(MdevDevice d) {
        devices.put(d.uuid(), d);
        d.type().liveDevices().add(d);
        d.parent().liveChildren().add(d);
    }

    private void release(MdevDevice d) {
        devices.remove(d.uuid());
        d.type().liveDevices().remove(d);
        d.parent().liveChildren().remove(d);
    }
}
