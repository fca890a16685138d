package io.vfio4j.type1;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.VfioDeviceHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The devices of a container that pin: those registered for DMA-unmap notification (the kernel's
 * {@code device_list}), and, for every device, the references it holds on each IOVA page, so that a
 * leak can be blamed on the right device. Keyed by device name, which is unique on the host.
 *
 * <p>Sole-holder mode: while one device holds every external reference of the container (one vGPU
 * per VM, the common case), its references are exactly the mappings' pin tables, so only their
 * count is kept. When another device pins, or a leak must be listed page by page, the holder's
 * table is built from the mappings' pin tables and every device is tracked per page until the
 * container holds no reference again. Every query answers the same in both modes.
 */
final class DeviceRegistry {
    /** A registered device and its callback. */
    record Registration(VfioDeviceHandle device, DmaUnmapListener listener) {}

    /**
     * The references one device holds, per IOVA page (pfn column unused). Left empty for the sole
     * holder; only this class reads it.
     */
    static final class Holds {
        final VfioDeviceHandle device;
        final PageRefTable pages = new PageRefTable();

        Holds(VfioDeviceHandle device) {
            this.device = device;
        }
    }

    private final DmaIndex dmas;
    private final Map<String, Registration> registered = new LinkedHashMap<>();

    /** Devices that pinned, in first-pin order: the order {@link #otherHolder} searches. */
    private final Map<String, Holds> holds = new LinkedHashMap<>();

    /** The device holding every reference in sole-holder mode (its table unused), else null. */
    private Holds sole;

    /** References the devices hold: the sole holder's, or the sum of the tables. */
    private long heldRefs;

    /** The last device looked up, by identity, and its holds: a device pins call after call. */
    private VfioDeviceHandle lastDevice;

    private Holds lastHolds;

    DeviceRegistry(DmaIndex dmas) {
        this.dmas = dmas;
    }

    void register(VfioDeviceHandle device, DmaUnmapListener listener) {
        registered.put(device.name(), new Registration(device, listener));
    }

    boolean unregister(VfioDeviceHandle device) {
        boolean was = registered.remove(device.name()) != null;
        pruneEmpty();
        return was;
    }

    void unregisterAll() {
        registered.clear();
        pruneEmpty();
    }

    boolean noneRegistered() {
        return registered.isEmpty();
    }

    int registeredCount() {
        return registered.size();
    }

    /** A copy to call outside the container lock. */
    List<Registration> snapshot() {
        return new ArrayList<>(registered.values());
    }

    /** Devices registered from a group, removed from the list. */
    List<VfioDeviceHandle> unregisterGroup(int groupId) {
        List<VfioDeviceHandle> out = new ArrayList<>();
        registered
                .values()
                .removeIf(
                        r -> {
                            if (r.device().group().id() == groupId) {
                                out.add(r.device());
                                return true;
                            }
                            return false;
                        });
        pruneEmpty();
        return out;
    }

    /**
     * The holds {@code device} pins into. With references held by another device in sole-holder
     * mode, switches to per-device tables first.
     */
    Holds pinner(VfioDeviceHandle device) {
        Holds h = holdsOf(device);
        if (heldRefs == 0) {
            sole = h;
        } else if (sole != null && sole != h) {
            trackPerDevice();
        }
        return h;
    }

    /** {@code h} (from {@link #pinner}) took one reference on {@code page}. */
    void took(Holds h, long page) {
        if (sole == null) {
            h.pages.add(page, 0, 1);
        }
        heldRefs++;
    }

    /** {@code h} (from {@link #pinner}) took one reference on each of {@code n} pages. */
    void tookRun(Holds h, long firstPage, int n) {
        if (sole == null) {
            for (int j = 0; j < n; j++) {
                h.pages.add(firstPage + j, 0, 1);
            }
        }
        heldRefs += n;
    }

    /** Gives back a reference {@link #took} recorded (a failed pin rolling back). */
    void untook(Holds h, long page) {
        if (sole != null || h.pages.release(page) >= 0) {
            heldRefs--;
        }
    }

    /** The holds of {@code device}, or null if it has none. */
    Holds existing(VfioDeviceHandle device) {
        if (device == lastDevice) {
            return lastHolds;
        }
        Holds h = holds.get(device.name());
        if (h != null) {
            remember(device, h);
        }
        return h;
    }

    /**
     * Takes away one reference on {@code page}, a pinned page whose count just dropped: from {@code
     * own} (the dropping device's holds, or null) if it holds one, else from the first other device
     * that does (the kernel counts references per IOVA, not per device).
     *
     * @return the holds the reference came from, or null if no device held one
     */
    Holds drop(Holds own, String deviceName, long page) {
        if (sole != null) {
            heldRefs--;
            return sole;
        }
        if (own != null && own.pages.release(page) >= 0) {
            heldRefs--;
            return own;
        }
        Holds other = otherHolder(page, deviceName);
        if (other != null) {
            other.pages.release(page);
            heldRefs--;
        }
        return other;
    }

    /** Whether {@code own} (or null) holds a reference on {@code page}, a pinned page. */
    boolean holdsRef(Holds own, long page) {
        if (own == null) {
            return false;
        }
        return sole != null ? own == sole : own.pages.refs(page) > 0;
    }

    /** Any device other than {@code except} holding a reference on {@code page}, or null. */
    private Holds otherHolder(long page, String except) {
        for (Holds h : holds.values()) {
            if (!h.device.name().equals(except) && h.pages.refs(page) > 0) {
                return h;
            }
        }
        return null;
    }

    /**
     * The devices of group {@code groupId} holding references, in first-pin order, with their
     * tables filled in (for leak reports).
     */
    List<Holds> holdingIn(int groupId) {
        return holding(h -> h.device.group().id() == groupId);
    }

    /** Every device holding references, in first-pin order, with their tables filled in. */
    List<Holds> holdingAny() {
        return holding(h -> true);
    }

    private List<Holds> holding(Predicate<Holds> which) {
        if (sole != null && which.test(sole)) {
            trackPerDevice();
        }
        List<Holds> out = new ArrayList<>();
        for (Holds h : holds.values()) {
            if (which.test(h) && !h.pages.isEmpty()) {
                out.add(h);
            }
        }
        return out;
    }

    /** Removes {@code page} from a table {@link #holdingIn} filled in; returns its references. */
    int forget(Holds h, long page) {
        int had = h.pages.remove(page);
        heldRefs -= had;
        return had;
    }

    /** The device holding every reference in sole-holder mode, else null. */
    VfioDeviceHandle soleHolder() {
        return sole == null ? null : sole.device;
    }

    /** References held by all devices (the audit compares them with the mappings' counts). */
    long heldReferences() {
        if (sole != null) {
            return heldRefs;
        }
        long sum = 0;
        for (Holds h : holds.values()) {
            sum += h.pages.totalRefs();
        }
        return sum;
    }

    /**
     * Ends an operation that dropped references: with none left the next pinner is the sole holder
     * again; devices that hold nothing and are no longer registered are forgotten.
     */
    void settle() {
        if (heldRefs == 0) {
            sole = null;
        }
        pruneEmpty();
    }

    /** Leaves sole-holder mode: the holder's table from the mappings' pin tables, O(pins). */
    private void trackPerDevice() {
        Holds h = sole;
        sole = null;
        for (DmaMapping d : dmas.all()) {
            if (d.hasPins()) {
                d.pins().addRefsTo(h.pages);
            }
        }
    }

    private Holds holdsOf(VfioDeviceHandle device) {
        if (device == lastDevice) {
            return lastHolds;
        }
        Holds h = holds.get(device.name());
        if (h == null) {
            h = new Holds(device);
            holds.put(device.name(), h);
        }
        remember(device, h);
        return h;
    }

    private void remember(VfioDeviceHandle device, Holds h) {
        lastDevice = device;
        lastHolds = h;
    }

    /**
     * Forgets unregistered devices that hold nothing, so the map does not grow with hot plug. A
     * registered device keeps its (empty) table: a device that pins and unpins in a loop does not
     * rebuild it on every call.
     */
    private void pruneEmpty() {
        if (holds.size() > registered.size()) {
            holds.values()
                    .removeIf(
                            h -> {
                                boolean gone =
                                        h != sole
                                                && h.pages.isEmpty()
                                                && !registered.containsKey(h.device.name());
                                if (gone && h == lastHolds) {
                                    remember(null, null);
                                }
                                return gone;
                            });
        }
    }
}
