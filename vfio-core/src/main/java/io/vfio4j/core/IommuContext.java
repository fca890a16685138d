package io.vfio4j.core;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.Task;
import io.vfio4j.api.ioas.DirtyBitmap;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.api.ioas.IommuOption;
import io.vfio4j.api.ioas.IovaRanges;
import io.vfio4j.api.ioas.NativeContext;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.api.ioas.NativeIommuProvider;
import io.vfio4j.host.SimIommuGroup;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One open of {@code /dev/iommu}: the device-centric API next to {@link VfioContainer}. Each call
 * is one operation of the runtime (the invariant checker runs after it) and goes to the backend
 * through a guarded call, like a container's ioctls. Opened by {@link Vfio#openIommuContext()}.
 */
public final class IommuContext {
    private final Vfio vfio;
    private final DiscoveredBackend backend;
    private final NativeIommuOps ops;
    private final int id;
    private boolean released;

    /** Emulated devices bound here: a device fd holds the context, so they close first (O9). */
    private final List<VfioDevice> emulated = new java.util.concurrent.CopyOnWriteArrayList<>();

    private record Context(
            HostView host, BackendSettings settings, VfioEventSink events, KernelVersion kernel)
            implements NativeContext {}

    IommuContext(Vfio vfio, DiscoveredBackend backend, int id) {
        this.vfio = vfio;
        this.backend = backend;
        this.id = id;
        NativeIommuProvider p = (NativeIommuProvider) backend.provider();
        Context ctx =
                new Context(
                        vfio.host(),
                        new BackendSettings(
                                backend.name(),
                                vfio.configuration().backendSettings(backend.name())),
                        vfio.events(),
                        vfio.configuration().kernel());
        this.ops = BackendCalls.guarded(backend, "openNative", () -> p.openNative(ctx));
    }

    /** The backend serving this context. */
    public String backendName() {
        return backend.name();
    }

    private <T> T op(String what, Supplier<T> call) {
        return vfio.operation(
                () -> what + " on iommufd context " + id,
                () -> {
                    if (released) {
                        throw VfioException.of(Errno.EBADF, "iommufd context %d is closed", id);
                    }
                    return BackendCalls.guarded(backend, what, call);
                });
    }

    public int ioasAlloc() {
        return op("IOAS_ALLOC", () -> ops.ioasAlloc(0));
    }

    public long ioasMap(Task caller, IoasMap map) {
        return op("IOAS_MAP", () -> ops.ioasMap(caller, map));
    }

    /**
     * {@code IOMMU_IOAS_MAP_FILE}: pages of a memory file ({@link
     * io.vfio4j.host.SimHost#memfdCreate}) by offset (docs/reference/iommufd.md §4.3).
     */
    public long ioasMapFile(Task caller, IoasMapFile map) {
        return op("IOAS_MAP_FILE", () -> ops.ioasMapFile(caller, map));
    }

    /**
     * {@code IOMMU_IOAS_CHANGE_PROCESS}: the charge of every MAP_FILE mapping moves to {@code
     * caller} (docs/reference/iommufd.md §3 A12).
     */
    public void ioasChangeProcess(Task caller) {
        op(
                "IOAS_CHANGE_PROCESS",
                () -> {
                    ops.ioasChangeProcess(caller, 0);
                    return null;
                });
    }

    public long ioasCopy(Task caller, IoasCopy copy) {
        return op("IOAS_COPY", () -> ops.ioasCopy(caller, copy));
    }

    public long ioasUnmap(int ioasId, long iova, long length) {
        return op("IOAS_UNMAP", () -> ops.ioasUnmap(ioasId, iova, length));
    }

    public IovaRanges ioasIovaRanges(int ioasId, int capacity) {
        return op("IOAS_IOVA_RANGES", () -> ops.ioasIovaRanges(ioasId, capacity));
    }

    public void ioasAllowIovas(int ioasId, List<IovaRange> allowed) {
        op(
                "IOAS_ALLOW_IOVAS",
                () -> {
                    ops.ioasAllowIovas(ioasId, List.copyOf(allowed));
                    return null;
                });
    }

    public long option(Task caller, IommuOption option) {
        return op("IOMMU_OPTION", () -> ops.option(caller, option));
    }

    public void destroy(int objectId) {
        op(
                "IOMMU_DESTROY",
                () -> {
                    ops.destroy(objectId);
                    return null;
                });
    }

    /**
     * Binds a physical device of the host (its vfio cdev) to this context; returns its device id.
     *
     * @throws VfioException ENODEV if no IOMMU group of the host holds {@code device}
     */
    public int bind(String device) {
        SimIommuGroup group =
                vfio.host().iommuGroups().stream()
                        .filter(g -> g.devices().contains(device))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        VfioException.of(
                                                Errno.ENODEV,
                                                "no IOMMU group of the host holds %s",
                                                device));
        return op("VFIO_DEVICE_BIND_IOMMUFD", () -> ops.bindDevice(device, group));
    }

    /**
     * Opens an emulated device (an mdev) through its cdev and binds it to this context ({@code
     * VFIO_DEVICE_BIND_IOMMUFD}): the context makes its access and the driver's {@code open} runs.
     * Attach it to an IOAS with {@link #attach} (a HWPT id is ENOENT); its vendor driver then pins,
     * unpins and reads/writes guest memory through {@link VfioDevice} as on a container, with the
     * iommufd access rules (docs/reference/iommufd.md §6). {@link VfioDevice#close()} unbinds it.
     * Returns the device id.
     *
     * @throws VfioException EBUSY if the device is open already
     */
    public int bindEmulated(VfioDevice device) {
        int id = device.bindIommufd(this);
        emulated.add(device);
        return id;
    }

    int bindEmulatedAccess(VfioDevice device, Optional<DmaUnmapListener> listener) {
        DmaUnmapListener l = listener.orElse((iova, length) -> {});
        return op("VFIO_DEVICE_BIND_IOMMUFD", () -> ops.bindEmulated(device, l));
    }

    int accessPin(int id, long iova, int npage, int prot, long[] pfns) {
        return op("vfio_pin_pages", () -> ops.accessPin(id, iova, npage, prot, pfns));
    }

    void accessUnpin(int id, long iova, int npage) {
        op(
                "vfio_unpin_pages",
                () -> {
                    ops.accessUnpin(id, iova, npage);
                    return null;
                });
    }

    void accessRw(int id, long iova, byte[] buf, int offset, int length, boolean write) {
        op(
                "vfio_dma_rw",
                () -> {
                    ops.accessRw(id, iova, buf, offset, length, write);
                    return null;
                });
    }

    public void unbind(int deviceId) {
        op(
                "unbind",
                () -> {
                    ops.unbindDevice(deviceId);
                    return null;
                });
    }

    public int attach(int deviceId, int ptId) {
        return op("VFIO_DEVICE_ATTACH_IOMMUFD_PT", () -> ops.attach(deviceId, ptId));
    }

    /**
     * {@code IOMMU_HWPT_ALLOC}: a paging HWPT on IOAS {@code ioasId} for a bound device's IOMMU
     * ({@link io.vfio4j.api.ioas.NativeIommuOps#HWPT_NEST_PARENT}, {@link
     * io.vfio4j.api.ioas.NativeIommuOps#HWPT_DIRTY_TRACKING}); returns its id.
     */
    public int hwptAlloc(int deviceId, int ioasId, int flags) {
        return op("IOMMU_HWPT_ALLOC", () -> ops.hwptAlloc(deviceId, ioasId, flags));
    }

    public void detach(int deviceId) {
        op(
                "VFIO_DEVICE_DETACH_IOMMUFD_PT",
                () -> {
                    ops.detach(deviceId);
                    return null;
                });
    }

    /**
     * {@code IOMMU_HWPT_SET_DIRTY_TRACKING}: {@link NativeIommuOps#DIRTY_TRACKING_ENABLE} starts
     * the dirty tracking of a HWPT allocated with {@link NativeIommuOps#HWPT_DIRTY_TRACKING}, 0
     * stops it (docs/reference/iommufd.md §8 T2).
     */
    public void hwptSetDirtyTracking(int hwptId, int flags) {
        op(
                "IOMMU_HWPT_SET_DIRTY_TRACKING",
                () -> {
                    ops.hwptSetDirtyTracking(hwptId, flags);
                    return null;
                });
    }

    /** {@code IOMMU_HWPT_GET_DIRTY_BITMAP} (docs/reference/iommufd.md §8 T3). */
    public DirtyBitmap hwptGetDirtyBitmap(HwptDirtyBitmap request) {
        return op("IOMMU_HWPT_GET_DIRTY_BITMAP", () -> ops.hwptGetDirtyBitmap(request));
    }

    public BackendState state() {
        return BackendCalls.guarded(backend, "state", ops::state);
    }

    /** Closes the context: every object destroyed, everything un-charged. */
    public void close() {
        op(
                "close",
                () -> {
                    released = true;
                    ops.release();
                    return null;
                });
    }

    boolean isReleased() {
        return released;
    }

    void audit(io.vfio4j.api.AuditSink sink) {
        if (!released) {
            BackendCalls.guardedRun(backend, "audit", () -> ops.audit(sink));
        }
    }

    /** Called by {@link Vfio#close()}: like process exit, failures become warnings. */
    void releaseQuietly() {
        for (VfioDevice d : emulated) {
            if (d.isBoundTo(this)) {
                try {
                    d.close();
                } catch (RuntimeException e) {
                    vfio.warn("closing " + d + " bound to " + this + " failed: " + e.getMessage());
                }
            }
        }
        emulated.clear();
        if (!released) {
            released = true;
            try {
                BackendCalls.guardedRun(backend, "release", ops::release);
            } catch (RuntimeException e) {
                vfio.warn("iommufd context " + id + ": release failed: " + e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "iommufd context " + id;
    }
}
