package com.example.noiommu;

import static com.google.common.base.Verify.verify;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.Task;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One no-IOMMU container: just its groups. Nothing is mapped, pinned or charged, so the audit is
 * empty and release has nothing to undo. Pinning, unpinning and dma_rw keep the SPI's defaults
 * (ENOTTY): without an IOMMU there is no IOVA to translate.
 */
final class NoIommuContainer implements VfioIommuDriverOps {
    private static final Logger LOG = LoggerFactory.getLogger(NoIommuContainer.class);

    private final VfioEventSink events;
    private final Object lock = new Object();
    private final Map<Integer, VfioGroupHandle> groups = new LinkedHashMap<>();
    private boolean tainted;

    NoIommuContainer(VfioEventSink events) {
        this.events = events;
    }

    @Override
    public void attachGroup(VfioGroupHandle group) {
        boolean taintNow;
        synchronized (lock) {
            if (group.kind() != GroupKind.NO_IOMMU) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "noiommu takes only no-IOMMU groups; %s has an IOMMU or is emulated",
                        group.describe());
            }
            if (groups.containsKey(group.id())) {
                throw VfioException.of(Errno.EINVAL, "%s is attached already", group.describe());
            }
            groups.put(group.id(), group);
            verify(!groups.isEmpty(), "group %s was not recorded", group.id());
            taintNow = !tainted;
            tainted = true;
        }
        if (taintNow) {
            // Outside our lock: the sink is the runtime's and may log.
            events.taint(
                    "vfio-noiommu: "
                            + group.describe()
                            + " is used for DMA without IOMMU protection");
        }
        LOG.debug("noiommu: {} attached", group.describe());
    }

    @Override
    public void detachGroup(VfioGroupHandle group) {
        synchronized (lock) {
            groups.remove(group.id());
        }
    }

    @Override
    public <R> R execute(Task caller, VfioCommand<R> command) {
        if (command instanceof CheckExtension ce) {
            @SuppressWarnings("unchecked") // CheckExtension is a VfioCommand<Integer>
            R r =
                    (R)
                            Integer.valueOf(
                                    ce.extension() == io.vfio4j.api.IommuType.NOIOMMU.id() ? 1 : 0);
            return r;
        }
        throw VfioException.of(
                Errno.ENOTTY, "%s: the no-IOMMU backend has no DMA mappings", command.ioctlName());
    }

    @Override
    public BackendState state() {
        synchronized (lock) {
            return new BackendState(0, 0, -1, 0, 0, Map.of("groups", (long) groups.size()));
        }
    }

    @Override
    public void audit(AuditSink sink) {
        // Nothing charged, nothing pinned.
    }

    @Override
    public void release() {
        synchronized (lock) {
            groups.clear();
        }
    }
}
