package io.vfio4j.mdev;

import java.util.Map;
import java.util.Objects;

/**
 * A vendor driver whose devices do nothing on their own: a test, a conformance kit or a scenario
 * drives each {@link ScriptedDevice} (pin, unpin), and the device answers the core's callbacks (DMA
 * unmap, close) as its type's {@link VendorBehaviour} says. Types with no behaviour given are
 * {@link VendorBehaviour#WELL_BEHAVED}.
 */
public final class ScriptedVendor implements MdevVendorDriver {
    private final String name;
    private final long pageSize;
    private final Map<String, VendorBehaviour> behaviours;

    /**
     * @param name the driver name ({@link MdevVendorDriver#NAME_PATTERN})
     * @param pageSize the host page size
     * @param behaviours the behaviour of each type, by its short (sysfs) name
     */
    public ScriptedVendor(String name, long pageSize, Map<String, VendorBehaviour> behaviours) {
        this.name = Objects.requireNonNull(name, "name");
        this.pageSize = pageSize;
        this.behaviours = Map.copyOf(behaviours);
    }

    /** A driver whose every type is well behaved. */
    public ScriptedVendor(String name, long pageSize) {
        this(name, pageSize, Map.of());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MdevDeviceOps create(MdevDevice device) {
        VendorBehaviour b =
                behaviours.getOrDefault(device.type().sysfsName(), VendorBehaviour.WELL_BEHAVED);
        return new ScriptedDevice(b, pageSize);
    }

    /** The scripted emulation behind a device this driver created. */
    public static ScriptedDevice of(MdevDevice device) {
        if (device.ops() instanceof ScriptedDevice s) {
            return s;
        }
        throw new IllegalArgumentException(device + " is not a scripted device");
    }
}
