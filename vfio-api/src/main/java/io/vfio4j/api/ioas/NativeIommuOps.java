package io.vfio4j.api.ioas;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.Task;
import java.util.List;

/**
 * One device-centric IOMMU context (one open of {@code /dev/iommu}): its objects (IOASes, HWPTs,
 * devices) have ids from 1 upward. Every method throws {@link io.vfio4j.api.VfioException} with the
 * kernel's errno; the rules are in docs/reference/iommufd.md §2 to §5 and §8.
 *
 * <p>SPI 1.6 added the dirty-tracking calls, MAP_FILE and CHANGE_PROCESS as default methods
 * answering ENOTTY (the kernel's answer to an ioctl it does not know), so a 1.5 implementation
 * still loads.
 */
public interface NativeIommuOps {
    /** {@code IOMMU_HWPT_ALLOC} flag: the HWPT may be the parent of nested ones. */
    int HWPT_NEST_PARENT = 1;

    /** {@code IOMMU_HWPT_ALLOC} flag: the HWPT tracks DMA-dirty pages. */
    int HWPT_DIRTY_TRACKING = 1 << 1;

    /** {@code IOMMU_HWPT_SET_DIRTY_TRACKING} flag: start tracking (0 stops it). */
    int DIRTY_TRACKING_ENABLE = 1;

    /** {@code IOMMU_IOAS_ALLOC}: a new empty IOAS; returns its id. */
    int ioasAlloc(int flags);

    /** {@code IOMMU_IOAS_MAP}; returns the IOVA used. */
    long ioasMap(Task caller, IoasMap map);

    /**
     * {@code IOMMU_IOAS_MAP_FILE} (SPI 1.6): maps pages of a memory file, charged to {@code
     * caller}; returns the IOVA used. Rules: docs/reference/iommufd.md §4.3.
     */
    default long ioasMapFile(Task caller, IoasMapFile map) {
        throw VfioException.of(Errno.ENOTTY, "IOMMU_IOAS_MAP_FILE is not offered");
    }

    /**
     * {@code IOMMU_IOAS_CHANGE_PROCESS} (SPI 1.6): every mapping of the context must come from
     * MAP_FILE; the pinned pages' charge moves to {@code caller} (its user's or its own {@code
     * locked_vm} with its RLIMIT, and its {@code pinned_vm}). Rules: docs/reference/iommufd.md §3
     * A12.
     *
     * @param reserved the uAPI's {@code __reserved} field; non-zero is EOPNOTSUPP
     */
    default void ioasChangeProcess(Task caller, int reserved) {
        throw VfioException.of(Errno.ENOTTY, "IOMMU_IOAS_CHANGE_PROCESS is not offered");
    }

    /** {@code IOMMU_IOAS_COPY}; returns the destination IOVA used. */
    long ioasCopy(Task caller, IoasCopy copy);

    /**
     * {@code IOMMU_IOAS_UNMAP}; {@code iova} 0 and {@code length} 2^64 - 1 unmap everything.
     * Returns the bytes removed.
     */
    long ioasUnmap(int ioasId, long iova, long length);

    /**
     * {@code IOMMU_IOAS_IOVA_RANGES} with room for {@code capacity} entries.
     *
     * @throws io.vfio4j.api.VfioException EMSGSIZE, with the total in its message, if they do not
     *     fit
     */
    IovaRanges ioasIovaRanges(int ioasId, int capacity);

    /** {@code IOMMU_IOAS_ALLOW_IOVAS}: replaces the allowed list (empty clears it). */
    void ioasAllowIovas(int ioasId, List<IovaRange> allowed);

    /** {@code IOMMU_OPTION}; returns the value for a GET, 0 for a SET. */
    long option(Task caller, IommuOption option);

    /** {@code IOMMU_DESTROY} of any object id. */
    void destroy(int id);

    /**
     * {@code VFIO_DEVICE_BIND_IOMMUFD} of a physical device of {@code group}; returns its device
     * id.
     */
    int bindDevice(String device, IommuGroup group);

    /**
     * {@code VFIO_DEVICE_BIND_IOMMUFD} of an emulated device (an mdev; SPI 1.6): vfio makes one
     * access for it, attached with {@link #attach} to an IOAS id (a HWPT id is ENOENT), detached
     * with {@link #detach}, gone with {@link #unbindDevice}. {@code listener} is the driver's
     * {@code dma_unmap}, told of every unmap of an area it may hold pins in
     * (docs/reference/iommufd.md §6 X7); returns the device id.
     */
    default int bindEmulated(VfioDeviceHandle device, DmaUnmapListener listener) {
        throw VfioException.of(Errno.ENOTTY, "emulated devices are not offered");
    }

    /**
     * {@code vfio_pin_pages} of an emulated device bound with {@link #bindEmulated} (SPI 1.6):
     * {@code iommufd_access_pin_pages}, no bound on {@code npage}; returns {@code npage}.
     */
    default int accessPin(int deviceId, long iova, int npage, int prot, long[] pfns) {
        throw VfioException.of(Errno.ENOTTY, "emulated devices are not offered");
    }

    /** {@code vfio_unpin_pages} of an emulated device (SPI 1.6): exact-range records (§6 X5). */
    default void accessUnpin(int deviceId, long iova, int npage) {
        throw VfioException.of(Errno.ENOTTY, "emulated devices are not offered");
    }

    /** {@code vfio_dma_rw} of an emulated device (SPI 1.6): {@code iommufd_access_rw}. */
    default void accessRw(
            int deviceId, long iova, byte[] buf, int offset, int length, boolean write) {
        throw VfioException.of(Errno.ENOTTY, "emulated devices are not offered");
    }

    /** Unbinds a device (its cdev is closed): detaches it first. */
    void unbindDevice(int deviceId);

    /**
     * {@code VFIO_DEVICE_ATTACH_IOMMUFD_PT}: attach (or replace) to an IOAS (an automatic HWPT) or
     * to a HWPT id; returns the HWPT id used.
     */
    int attach(int deviceId, int ptId);

    /**
     * {@code IOMMU_HWPT_ALLOC} of a paging HWPT on IOAS {@code ioasId} for the IOMMU of a bound
     * device (which stays unattached); returns its id. It pins and charges every area of the IOAS
     * at once when it is the IOAS's first domain, and lives until {@link #destroy}.
     */
    int hwptAlloc(int deviceId, int ioasId, int flags);

    /** {@code VFIO_DEVICE_DETACH_IOMMUFD_PT}. */
    void detach(int deviceId);

    /**
     * {@code IOMMU_HWPT_SET_DIRTY_TRACKING} (SPI 1.6): {@link #DIRTY_TRACKING_ENABLE} starts the
     * IOMMU's dirty tracking of a paging HWPT (clearing stale marks first), 0 stops it.
     *
     * @throws io.vfio4j.api.VfioException EOPNOTSUPP for another flag or a HWPT allocated without
     *     {@link #HWPT_DIRTY_TRACKING}; ENOENT if {@code hwptId} is no paging HWPT
     */
    default void hwptSetDirtyTracking(int hwptId, int flags) {
        throw VfioException.of(Errno.ENOTTY, "IOMMU_HWPT_SET_DIRTY_TRACKING is not offered");
    }

    /**
     * {@code IOMMU_HWPT_GET_DIRTY_BITMAP} (SPI 1.6): the pages of a range the IOMMU saw written by
     * device DMA since the last clearing read; clears what it reports unless {@link
     * HwptDirtyBitmap#NO_CLEAR}. Rules: docs/reference/iommufd.md §8 T3.
     */
    default DirtyBitmap hwptGetDirtyBitmap(HwptDirtyBitmap request) {
        throw VfioException.of(Errno.ENOTTY, "IOMMU_HWPT_GET_DIRTY_BITMAP is not offered");
    }

    /** The context's state for snapshots. */
    BackendState state();

    /** Reports the charges and pins (as {@link io.vfio4j.api.VfioIommuDriverOps#audit}). */
    void audit(AuditSink sink);

    /** Closing the context: every object destroyed leaf-first, everything un-charged. */
    void release();
}
