package io.vfio4j.iommufd;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.iommufd.NativeObjects.AccessObj;
import io.vfio4j.iommufd.NativeObjects.IoasObj;

/**
 * Accesses of emulated devices on a native context (vfio iommufd.c {@code
 * vfio_iommufd_emulated_bind}, {@code vfio_iommufd_emulated_attach_ioas}; device.c {@code
 * iommufd_access_create}, {@code iommufd_access_attach}, {@code iommufd_access_change_ioas}, {@code
 * iommufd_access_destroy}): docs/reference/iommufd.md §6 X1, X9 on a {@code /dev/iommu} context.
 * Pins, unpins and reads/writes go through the IOAS's {@link AccessPins}, as in the compat
 * container. The caller holds the context's monitor.
 */
final class NativeAccesses {
    private final NativeObjects objects;

    NativeAccesses(NativeObjects objects) {
        this.objects = objects;
    }

    /** X1: the bind of an emulated device makes its access, attached to nothing yet. */
    int bind(VfioDeviceHandle device, DmaUnmapListener listener) {
        for (NativeObjects.Obj o : objects.table.values()) {
            if (o instanceof AccessObj a && a.device.name().equals(device.name())) {
                throw VfioException.of(Errno.EBUSY, "%s is bound already", device.name());
            }
        }
        return objects.add(new AccessObj(device, listener));
    }

    /**
     * X1: attach (or move) the access to an IOAS; a HWPT or any other id is ENOENT; an IOAS with an
     * area not aligned to the page size the access needs is EADDRINUSE. Returns the IOAS id.
     */
    int attach(int accessId, int ioasId) {
        AccessObj a = objects.get(accessId, AccessObj.class, "an access");
        if (a.ioasId == ioasId) {
            return ioasId;
        }
        IoasObj target = objects.get(ioasId, IoasObj.class, "an IOAS");
        long p = target.ioas().pageSize;
        for (Area area : target.ioas().areas.values()) {
            if (area.iova % p != 0 || area.length % p != 0 || area.va % p != 0) {
                throw VfioException.of(
                        Errno.EADDRINUSE,
                        "%s is not aligned to the page size an access needs (0x%x)",
                        area,
                        p);
            }
        }
        detach(accessId);
        target.access().accesses.put(a.device, a.listener);
        target.ioas().accesses++;
        a.ioasId = ioasId;
        return ioasId;
    }

    /**
     * X9: the access leaves its IOAS; pins its driver kept stay recorded and charged. The kernel
     * first tells the driver {@code unmap(0, 2^64 - 1)}; vfio4j does not (docs/deviations.md
     * IOMMUFD-7).
     */
    void detach(int accessId) {
        AccessObj a = objects.get(accessId, AccessObj.class, "an access");
        if (a.ioasId == 0) {
            return;
        }
        IoasObj io = objects.get(a.ioasId, IoasObj.class, "an IOAS");
        io.access().accesses.remove(a.device);
        io.ioas().accesses--;
        a.ioasId = 0;
    }

    /** The IOAS's access path for an attached access; ENOENT when not attached (X3 step 2). */
    AccessPins pinsOf(int accessId, String what) {
        AccessObj a = objects.get(accessId, AccessObj.class, "an access");
        if (a.ioasId == 0) {
            throw VfioException.of(
                    Errno.ENOENT, "%s by %s: the access is not attached", what, a.device.name());
        }
        return objects.get(a.ioasId, IoasObj.class, "an IOAS").access();
    }

    VfioDeviceHandle device(int accessId) {
        return objects.get(accessId, AccessObj.class, "an access").device;
    }

    /** X5 for an unattached access: a WARN and nothing happens. */
    boolean attached(int accessId) {
        return objects.table.get(accessId) instanceof AccessObj a && a.ioasId != 0;
    }
}
