package io.vfio4j.mdev;

import java.util.ArrayList;
import java.util.List;

/**
 * A registered type of mediated device on one parent: {@code
 * /sys/class/mdev_bus/<parent>/mdev_supported_types/<name>}. Its {@code available_instances} is
 * kept by the {@link MdevBus}: every successful create takes one, every remove gives it back.
 *
 * <p>vfio4j counts instances per type, as the kernel core does for drivers without a {@code
 * get_available} callback (since 6.1); a kernel driver with that callback may compute the number
 * itself, e.g. from a pool shared between types.
 */
public final class MdevType {
    private final MdevBus bus;
    private final MdevParent parent;
    private final MdevTypeSpec spec;
    private final String name;

    /** Guarded by the bus lock. */
    private final List<MdevDevice> devices = new ArrayList<>();

    MdevType(MdevBus bus, MdevParent parent, MdevTypeSpec spec) {
        this.bus = bus;
        this.parent = parent;
        this.spec = spec;
        this.name = parent.driver().name() + "-" + spec.sysfsName();
    }

    /** The full type name, {@code <driver>-<sysfsName>}, e.g. {@code "vgpu-v100-4q"}. */
    public String name() {
        return name;
    }

    /** The short name the vendor declared. */
    public String sysfsName() {
        return spec.sysfsName();
    }

    public String description() {
        return spec.description();
    }

    public MdevParent parent() {
        return parent;
    }

    /** The most devices of this type that can exist at once. */
    public int maxInstances() {
        return spec.maxInstances();
    }

    /** {@code available_instances}: how many more devices of this type can be created now. */
    public int availableInstances() {
        synchronized (bus.lock()) {
            return spec.maxInstances() - devices.size();
        }
    }

    /** The live devices of this type, in creation order. */
    public List<MdevDevice> devices() {
        synchronized (bus.lock()) {
            return List.copyOf(devices);
        }
    }

    /** Caller holds the bus lock. */
    List<MdevDevice> liveDevices() {
        return devices;
    }

    @Override
    public String toString() {
        return "mdev type " + name + " on " + parent.name();
    }
}
