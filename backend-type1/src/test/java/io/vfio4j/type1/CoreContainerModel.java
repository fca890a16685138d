package io.vfio4j.type1;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.List;

/**
 * The container layer's side of docs/reference/type1-mdev.md §1.1 (C6 {@code vfio_ioctl_set_iommu},
 * {@code vfio_fops_unl_ioctl}), just enough to show how the backend's answers are used. The real
 * one lives in vfio-core.
 */
final class CoreContainerModel {
    private final HostView host;
    private final List<VfioIommuDriverProvider> providers;
    private final List<VfioGroupHandle> groups = new ArrayList<>();
    private VfioIommuDriverOps ops;

    CoreContainerModel(HostView host, List<VfioIommuDriverProvider> providers) {
        this.host = host;
        this.providers = providers;
    }

    void addGroup(VfioGroupHandle g) {
        if (ops != null) {
            ops.attachGroup(g);
        }
        groups.add(g);
    }

    void setIommu(long arg) {
        if (groups.isEmpty() || ops != null) {
            throw VfioException.of(Errno.EINVAL, "SET_IOMMU: no group, or a driver is already set");
        }
        VfioException last = null;
        for (VfioIommuDriverProvider p : providers) {
            if (p.checkExtension(arg, host) <= 0) {
                continue;
            }
            IommuType type = IommuType.ofId(arg).orElseThrow();
            VfioIommuDriverOps o =
                    p.open(
                            new TestContext(
                                    host,
                                    type,
                                    BackendSettings.empty(p.name()),
                                    new RecordingEvents()));
            try {
                for (VfioGroupHandle g : groups) {
                    o.attachGroup(g);
                }
                ops = o;
                return;
            } catch (VfioException e) {
                o.release();
                last = e;
            }
        }
        throw last != null
                ? last
                : VfioException.of(Errno.ENODEV, "SET_IOMMU(%d): no backend", arg);
    }

    <R> R ioctl(Task caller, VfioCommand<R> c) {
        if (ops == null) {
            throw VfioException.of(Errno.EINVAL, "%s before SET_IOMMU", c.ioctlName());
        }
        return ops.execute(caller, c);
    }
}
