package io.vfio4j.mdev;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * A mediated device: one instance of an {@link MdevType}, named by its UUID, sitting alone in an
 * emulated (IOMMU-less) VFIO group. Userspace attaches {@link #group()} to a container and opens
 * the device there; the vendor's {@link MdevDeviceOps} does the emulation.
 */
public final class MdevDevice {
    private final MdevBus bus;
    private final UUID uuid;
    private final MdevType type;

    /** Set once the vendor's create succeeded; the group only after that. */
    private volatile MdevDeviceOps ops;

    private volatile VfioGroup group;
    // Kept so that the device's state stays readable after its group is gone.
    private volatile VfioDevice vfioDevice;
    private volatile boolean removed;

    MdevDevice(MdevBus bus, UUID uuid, MdevType type) {
        this.bus = bus;
        this.uuid = uuid;
        this.type = type;
    }

    public UUID uuid() {
        return uuid;
    }

    /** The device name: the UUID in lower case, as the kernel names an mdev ({@code %pUl}). */
    public String name() {
        return name(uuid);
    }

    static String name(UUID uuid) {
        return uuid.toString().toLowerCase(Locale.ROOT);
    }

    public MdevType type() {
        return type;
    }

    public MdevParent parent() {
        return type.parent();
    }

    /** The vendor's emulation of this device. */
    public MdevDeviceOps ops() {
        return Objects.requireNonNull(ops, "the vendor driver has not created the device yet");
    }

    /** The emulated group the device sits in ({@code /dev/vfio/<n>}). */
    public VfioGroup group() {
        VfioGroup g = group;
        if (g == null) {
            throw new IllegalStateException("mdev " + name() + " has no group yet");
        }
        return g;
    }

    /** The VFIO device of this mdev in its group. */
    public VfioDevice vfioDevice() {
        VfioDevice d = vfioDevice;
        if (d == null) {
            throw new IllegalStateException("mdev " + name() + " has no group yet");
        }
        return d;
    }

    /** True while userspace has the device open. */
    public boolean isOpen() {
        VfioDevice d = vfioDevice;
        return d != null && !removed && d.isOpen();
    }

    /** True once the device was removed. */
    public boolean isRemoved() {
        return removed;
    }

    /** The size of the device's register space. */
    public long regionSize() {
        return ops().regionSize();
    }

    /**
     * A read of the device's register space (a {@code pread} on the device fd).
     *
     * @throws VfioException ENODEV if the device was removed; EINVAL if it is not open or the
     *     access falls outside the region
     */
    public byte[] regionRead(long offset, int length) {
        checkAccess("read", offset, length);
        byte[] data = ops().read(offset, length);
        if (data.length != length) {
            throw new IllegalStateException(
                    "vendor "
                            + parent().driver().name()
                            + " returned "
                            + data.length
                            + " bytes for a read of "
                            + length);
        }
        return data;
    }

    /**
     * A write to the device's register space (a {@code pwrite} on the device fd).
     *
     * @throws VfioException as {@link #regionRead}, or the vendor's error
     */
    public void regionWrite(long offset, byte[] data) {
        Objects.requireNonNull(data, "data");
        checkAccess("write", offset, data.length);
        ops().write(offset, data.clone());
    }

    private void checkAccess(String what, long offset, int length) {
        if (removed) {
            throw VfioException.of(Errno.ENODEV, "mdev %s was removed", name());
        }
        if (!isOpen()) {
            throw VfioException.of(Errno.EINVAL, "%s of mdev %s: device not open", what, name());
        }
        long size = ops().regionSize();
        if (length <= 0 || offset < 0 || offset > size || length > size - offset) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "%s of mdev %s: [0x%x, +%d) is outside the %d-byte region",
                    what,
                    name(),
                    offset,
                    length,
                    size);
        }
    }

    void created(MdevDeviceOps ops, VfioGroup group) {
        this.ops = ops;
        this.group = group;
        this.vfioDevice = group.device(name());
    }

    void markRemoved() {
        removed = true;
    }

    MdevBus bus() {
        return bus;
    }

    @Override
    public String toString() {
        return "mdev " + name() + " (" + type.name() + " on " + parent().name() + ")";
    }
}
