package io.vfio4j.api.command;

/**
 * A container ioctl as a typed value: the record holds the uAPI structure's fields (including
 * {@code argsz}, so that short structures can be refused as the kernel refuses them) and {@code R}
 * is the typed result. Backends answer commands they do not implement with ENOTTY.
 *
 * <p>The interface is open: a new backend may define commands of its own.
 */
public interface VfioCommand<R> {
    /** The uAPI name, e.g. {@code VFIO_IOMMU_MAP_DMA}, for traces and messages. */
    String ioctlName();
}
