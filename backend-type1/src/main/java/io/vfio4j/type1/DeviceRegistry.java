package io.vfio4j.type1;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.VfioDeviceHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The devices of a container that pin: those registered for DMA-unmap notification (the kernel's
 * {@code device_list}), and, for every device, the references it holds on each IOVA page, so that a
 * leak can be blamed on the right device. Keyed by device name, which is unique on the host.
 */
final class DeviceRegistry {
    /** A registered device and its callback. */
    record Registration(VfioDeviceHandle device, DmaUnmapListener listener) {}

    /** The references one device holds, per IOVA page (pfn column unused). */
    static final class Holds {
        final VfioDeviceHandle device;
        final PageRefTable pages = new PageRefTable();

        Holds(VfioDeviceHandle device) {
            this.device = device;
        }
    }

    private final Map<String, Registration> registered = new LinkedHashMap<>();
    private final Map<String, Holds> holds = new LinkedHashMap<>();

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

    Holds holdsOf(VfioDeviceHandle device) {
        return holds.computeIfAbsent(device.name(), n -> new Holds(device));
    }

    /** The holds of a device, or null if it never pinned. */
    Holds existingHolds(String deviceName) {
        return holds.get(deviceName);
    }

    /** Any device other than {@code except} holding a reference on {@code page}, or null. */
    Holds otherHolder(long page, String except) {
        for (Holds h : holds.values()) {
            if (!h.device.name().equals(except) && h.pages.refs(page) > 0) {
                return h;
            }
        }
        return null;
    }

    Iterable<Holds> allHolds() {
        return holds.values();
    }

    /**
     * Forgets unregistered devices that hold nothing, so the map does not grow with hot plug. A
     * registered device keeps its (empty) table: a device that pins and unpins in a loop does not
     * rebuild it on every call.
     */
    void pruneEmpty() {
        if (holds.size() > registered.size()) {
            holds.values()
                    .removeIf(h -> h.pages.isEmpty() && !registered.containsKey(h.device.name()));
        }
    }
}
