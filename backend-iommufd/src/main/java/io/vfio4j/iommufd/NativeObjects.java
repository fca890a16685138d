package io.vfio4j.iommufd;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.host.IommuGroup;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The object table of one native context (main.c {@code _iommufd_object_alloc}, {@code
 * iommufd_get_object}): ids from 1 upward, the lowest free one reused as the kernel's xarray does;
 * a missing id or one of the wrong type is ENOENT (docs/reference/iommufd.md §1 O2).
 */
final class NativeObjects {
    /** An object of the table. */
    sealed interface Obj permits IoasObj, HwptObj, DeviceObj, AccessObj {}

    /** An IOAS (O3) and the access path of the emulated devices attached to it (§6). */
    record IoasObj(Ioas ioas, AccessPins access) implements Obj {
        IoasObj(Ioas ioas) {
            this(ioas, new AccessPins(ioas));
        }
    }

    /**
     * A bound emulated device (O8: vfio makes one access per emulated device at bind) and the IOAS
     * it is attached to (0: none).
     */
    static final class AccessObj implements Obj {
        final VfioDeviceHandle device;
        final DmaUnmapListener listener;
        int ioasId;

        AccessObj(VfioDeviceHandle device, DmaUnmapListener listener) {
            this.device = device;
            this.listener = listener;
        }
    }

    /** A paging HWPT (O6): its domain in one IOAS; {@code auto} for one made by an attach. */
    static final class HwptObj implements Obj {
        final int ioasId;
        final IommuDomain domain;
        final boolean auto;
        final int flags;
        final Set<Integer> devices = new LinkedHashSet<>();

        HwptObj(int ioasId, IommuDomain domain, boolean auto, int flags) {
            this.ioasId = ioasId;
            this.domain = domain;
            this.auto = auto;
            this.flags = flags;
        }

        /** True if {@code ptId} names this HWPT, or its IOAS when it is automatic. */
        boolean answers(int ptId, int myId, boolean ptIsIoas) {
            return ptId == myId || (auto && ptIsIoas && ptId == ioasId);
        }
    }

    /** A bound physical device (O7) and the HWPT it is attached to (0: none). */
    static final class DeviceObj implements Obj {
        final String name;
        final IommuGroup group;
        int hwptId;

        DeviceObj(String name, IommuGroup group) {
            this.name = name;
            this.group = group;
        }
    }

    final TreeMap<Integer, Obj> table = new TreeMap<>();

    int add(Obj o) {
        int id = 1;
        for (int used : table.keySet()) {
            if (used != id) {
                break;
            }
            id++;
        }
        table.put(id, o);
        return id;
    }

    <T extends Obj> T get(int id, Class<T> type, String what) {
        Obj o = table.get(id);
        if (!type.isInstance(o)) {
            throw VfioException.of(Errno.ENOENT, "object %d is not %s", id, what);
        }
        return type.cast(o);
    }

    Ioas ioas(int id) {
        return get(id, IoasObj.class, "an IOAS").ioas();
    }

    /** The context's state for snapshots: areas, bytes, objects by kind, pinned pages. */
    BackendState state() {
        long areas = 0;
        long bytes = 0;
        Set<IoptPages> pages = new HashSet<>();
        Map<String, Long> details = new LinkedHashMap<>();
        long ioases = 0;
        long hwpts = 0;
        long devices = 0;
        long accessCount = 0;
        long pinnedPages = 0;
        long pinReferences = 0;
        for (NativeObjects.Obj o : table.values()) {
            if (o instanceof IoasObj io) {
                ioases++;
                long[] counts = io.access().counts();
                pinnedPages += counts[0];
                pinReferences += counts[1];
                for (Area a : io.ioas().areas.values()) {
                    areas++;
                    bytes += a.length;
                    pages.add(a.pages);
                }
            } else if (o instanceof HwptObj) {
                hwpts++;
            } else if (o instanceof AccessObj a) {
                accessCount += a.ioasId != 0 ? 1 : 0; // attached accesses
            } else {
                devices++;
            }
        }
        details.put("ioases", ioases);
        details.put("hwpts", hwpts);
        details.put("devices", devices);
        details.put("accesses", accessCount);
        details.put("pinned", pages.stream().mapToLong(IoptPages::pinned).sum());
        return new BackendState(areas, bytes, -1, pinnedPages, pinReferences, details);
    }
}
