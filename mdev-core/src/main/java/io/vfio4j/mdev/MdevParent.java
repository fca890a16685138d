package io.vfio4j.mdev;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A physical device registered by a vendor driver as a parent of mediated devices (the kernel's
 * {@code mdev_parent}), identified by its PCI address. It offers a fixed list of {@link MdevType}s
 * and keeps its children in creation order, the order in which {@link MdevBus#unregisterParent}
 * removes them.
 */
public final class MdevParent {
    private final MdevBus bus;
    private final String name;
    private final MdevVendorDriver driver;
    private final List<MdevType> types;

    /** Guarded by the bus lock. */
    private final List<MdevDevice> children = new ArrayList<>();

    /** Guarded by the bus lock. */
    private boolean registered = true;

    MdevParent(MdevBus bus, String name, MdevVendorDriver driver, List<MdevTypeSpec> specs) {
        this.bus = bus;
        this.name = name;
        this.driver = driver;
        List<MdevType> t = new ArrayList<>();
        for (MdevTypeSpec s : specs) {
            t.add(new MdevType(bus, this, s));
        }
        this.types = List.copyOf(t);
    }

    /** The parent's device name: its PCI address, e.g. {@code "0000:65:00.0"}. */
    public String name() {
        return name;
    }

    public MdevVendorDriver driver() {
        return driver;
    }

    /** The types this parent supports, in the order the vendor declared them. */
    public List<MdevType> types() {
        return types;
    }

    /** The type with the full name {@code typeName}, e.g. {@code "vgpu-v100-4q"}. */
    public Optional<MdevType> type(String typeName) {
        return types.stream().filter(t -> t.name().equals(typeName)).findFirst();
    }

    /**
     * The type with the full name {@code typeName}.
     *
     * @throws VfioException ENOENT if the parent has no such type (no such sysfs directory)
     */
    public MdevType requireType(String typeName) {
        return type(typeName)
                .orElseThrow(
                        () ->
                                VfioException.of(
                                        Errno.ENOENT,
                                        "parent %s has no mdev type %s; it has %s",
                                        name,
                                        typeName,
                                        types.stream().map(MdevType::name).toList()));
    }

    /** The live devices of this parent, in creation order. */
    public List<MdevDevice> devices() {
        synchronized (bus.lock()) {
            return List.copyOf(children);
        }
    }

    /** False once {@link MdevBus#unregisterParent} ran. */
    public boolean isRegistered() {
        synchronized (bus.lock()) {
            return registered;
        }
    }

    /** Caller holds the bus lock. */
    List<MdevDevice> liveChildren() {
        return children;
    }

    /** Caller holds the bus lock. */
    boolean registered() {
        return registered;
    }

    /** Caller holds the bus lock. */
    void markUnregistered() {
        registered = false;
    }

    @Override
    public String toString() {
        return "mdev parent " + name + " (" + driver.name() + ")";
    }
}
