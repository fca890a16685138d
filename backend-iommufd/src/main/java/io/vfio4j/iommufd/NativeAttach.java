package io.vfio4j.iommufd;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IommuDomain;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.iommufd.NativeObjects.DeviceObj;
import io.vfio4j.iommufd.NativeObjects.HwptObj;
import io.vfio4j.iommufd.NativeObjects.IoasObj;
import java.util.Map;

/**
 * Device attach, replace and detach of a native context (device.c {@code iommufd_device_change_pt},
 * {@code iommufd_device_auto_get_domain}, {@code iommufd_hw_pagetable_attach}, {@code
 * iommufd_hw_pagetable_detach}): docs/reference/iommufd.md §5 D2-D9. The caller holds the context's
 * monitor.
 */
final class NativeAttach {
    private final NativeObjects objects;

    NativeAttach(NativeObjects objects) {
        this.objects = objects;
    }

    int attach(int deviceId, int ptId) {
        DeviceObj dev = objects.get(deviceId, DeviceObj.class, "a device");
        NativeObjects.Obj target = objects.table.get(ptId);
        if (target == null) {
            throw VfioException.of(Errno.ENOENT, "no object %d", ptId);
        }
        if (!(target instanceof IoasObj) && !(target instanceof HwptObj)) {
            throw VfioException.of(Errno.EINVAL, "object %d is neither an IOAS nor a HWPT", ptId);
        }
        boolean ptIsIoas = target instanceof IoasObj;
        if (dev.hwptId != 0) {
            int old = dev.hwptId;
            HwptObj oldHwpt = objects.get(old, HwptObj.class, "a HWPT");
            if (oldHwpt.answers(ptId, old, ptIsIoas)) {
                return old;
            }
            // D8 replace: leave the old page table, join the new one; back on failure.
            int oldTarget = oldHwpt.auto ? oldHwpt.ioasId : old;
            // The kernel allocates the new HWPT before the old one goes, so their ids differ.
            detach(deviceId, true);
            try {
                int now = attach(deviceId, ptId);
                dropIfEmptyAuto(old);
                return now;
            } catch (VfioException e) {
                dropIfEmptyAuto(old);
                attach(deviceId, oldTarget);
                throw e;
            }
        }
        if (target instanceof HwptObj h
                && (h.flags & NativeIommuOps.HWPT_DIRTY_TRACKING) != 0
                && !dev.group.dirtyTracking()) {
            // §8 T1: a device whose IOMMU cannot track dirty pages never joins such a HWPT.
            throw VfioException.of(
                    Errno.EINVAL, "%s cannot track dirty pages for HWPT %d", dev.name, ptId);
        }
        int groupHwpt = groupHwpt(dev, deviceId);
        if (groupHwpt != 0) {
            // D4: every device of a group uses the group's HWPT.
            HwptObj h = objects.get(groupHwpt, HwptObj.class, "a HWPT");
            if (!h.answers(ptId, groupHwpt, ptIsIoas)) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "%s: its group %d is attached to HWPT %d",
                        dev.name,
                        dev.group.id(),
                        groupHwpt);
            }
            h.devices.add(deviceId);
            dev.hwptId = groupHwpt;
            return groupHwpt;
        }
        int hwptId;
        if (target instanceof HwptObj h) {
            objects.ioas(h.ioasId).attachTo(dev.group.id(), dev.group, h.domain);
            hwptId = ptId;
        } else {
            Ioas ioas = ((IoasObj) target).ioas();
            ioas.attach(dev.group.id(), dev.group);
            IommuDomain d = ioas.domainOf(dev.group.id());
            hwptId = hwptOf(d);
            if (hwptId == 0) {
                hwptId = objects.add(new HwptObj(ptId, d, true, 0));
            }
        }
        objects.get(hwptId, HwptObj.class, "a HWPT").devices.add(deviceId);
        dev.hwptId = hwptId;
        return hwptId;
    }

    /** The HWPT another device of {@code dev}'s group is attached to, or 0. */
    private int groupHwpt(DeviceObj dev, int deviceId) {
        for (Map.Entry<Integer, NativeObjects.Obj> e : objects.table.entrySet()) {
            if (e.getKey() != deviceId
                    && e.getValue() instanceof DeviceObj o
                    && o.group.id() == dev.group.id()
                    && o.hwptId != 0) {
                return o.hwptId;
            }
        }
        return 0;
    }

    private int hwptOf(IommuDomain d) {
        for (Map.Entry<Integer, NativeObjects.Obj> e : objects.table.entrySet()) {
            if (e.getValue() instanceof HwptObj h && h.domain == d) {
                return e.getKey();
            }
        }
        return 0;
    }

    /**
     * D9: the last device of its group detaches the group; an automatic HWPT left with no device is
     * destroyed, and with it the IOAS's domain (A7: the last domain unpins, areas stay).
     */
    void detach(int deviceId) {
        detach(deviceId, false);
    }

    private void dropIfEmptyAuto(int hwptId) {
        if (objects.table.get(hwptId) instanceof HwptObj h && h.auto && h.devices.isEmpty()) {
            objects.table.remove(hwptId);
        }
    }

    private void detach(int deviceId, boolean keepId) {
        DeviceObj dev = objects.get(deviceId, DeviceObj.class, "a device");
        if (dev.hwptId == 0) {
            return;
        }
        int hwptId = dev.hwptId;
        HwptObj h = objects.get(hwptId, HwptObj.class, "a HWPT");
        h.devices.remove(deviceId);
        dev.hwptId = 0;
        if (groupHwpt(dev, deviceId) == 0) {
            objects.ioas(h.ioasId).detach(dev.group.id(), dev.group);
        }
        if (!keepId) {
            dropIfEmptyAuto(hwptId);
        }
    }
}
