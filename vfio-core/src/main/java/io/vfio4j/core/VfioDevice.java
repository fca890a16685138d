package io.vfio4j.core;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VFIO device and the core's side of the pin contract (vfio_main.c {@code vfio_pin_pages}, {@code
 * vfio_unpin_pages}, {@code vfio_dma_rw}). The core checks what the kernel's core checks, in the
 * same order, before the backend sees the call:
 *
 * <ol>
 *   <li>pin: {@code pfns} missing or {@code npage <= 0}, or the device not open: EINVAL; the device
 *       has no DMA-unmap callback: EINVAL; {@code npage} above {@link #maxPinPages()} ({@code
 *       PAGE_SIZE / 8}, 512 on a 4 KiB host): E2BIG; no backend: EINVAL; a backend that cannot pin:
 *       ENOTTY;
 *   <li>unpin: the same conditions are a kernel WARN and the call does nothing (it returns void);
 *       vfio4j logs them and counts them in {@link Vfio#warnings()};
 *   <li>dma_rw: buffer missing, {@code length <= 0} or device not open: EINVAL.
 * </ol>
 */
public final class VfioDevice implements VfioDeviceHandle {
    private static final Logger LOG = LoggerFactory.getLogger(VfioDevice.class);

    private final Vfio vfio;
    private final VfioGroup group;
    private final String name;
    private final VfioDeviceDriver driver;
    // Open and close are serialized by this lock; the pin paths only read openCount, so a vendor
    // unpinning from a DMA-unmap callback never waits for a thread that is closing the device.
    private final Object lifecycle = new Object();
    private volatile int openCount;
    private VfioContainer registeredWith;

    /** Set while the device is open through its cdev and bound to an iommufd context. */
    private volatile NativeRoute nativeRoute;

    /** An emulated device bound to a native context: its access's id there. */
    private record NativeRoute(IommuContext context, int id) {}

    VfioDevice(Vfio vfio, VfioGroup group, String name, VfioDeviceDriver driver) {
        this.vfio = vfio;
        this.group = group;
        this.name = name;
        this.driver = driver;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public VfioGroupHandle group() {
        return group;
    }

    /** The group, with the runtime's operations. */
    public VfioGroup vfioGroup() {
        return group;
    }

    public VfioDeviceDriver driver() {
        return driver;
    }

    public boolean isOpen() {
        return openCount > 0;
    }

    /**
     * The most pages one pin or unpin call may name: what the container's backend allows ({@link
     * io.vfio4j.api.VfioIommuDriverOps#maxPinPages}), by default and without a backend {@code
     * PAGE_SIZE / sizeof(pointer)}.
     */
    public long maxPinPages() {
        if (nativeRoute != null) {
            // An iommufd access has no bound on one pin call (docs/reference/iommufd.md §6 X2).
            return Integer.MAX_VALUE;
        }
        long pageSize = vfio.host().pageSize();
        return group.container().flatMap(c -> c.maxPinPages(pageSize)).orElse(pageSize / 8);
    }

    /**
     * Opens the device. The first open registers the device's DMA-unmap callback with the
     * container's backend and then calls the driver's {@code open}; if that fails the registration
     * is undone.
     */
    void open() {
        synchronized (lifecycle) {
            vfio.operation(
                    () -> "open device " + name,
                    () -> {
                        // As the kernel: the count rises first, so the driver's open may already
                        // pin.
                        openCount++;
                        if (openCount == 1) {
                            try {
                                firstOpen();
                            } catch (RuntimeException e) {
                                openCount--;
                                throw e;
                            }
                        }
                        return null;
                    });
        }
    }

    private void firstOpen() {
        VfioContainer c =
                group.container()
                        .orElseThrow(
                                () ->
                                        VfioException.of(
                                                Errno.EINVAL,
                                                "device %s: its group is not in a container",
                                                name));
        Optional<DmaUnmapListener> listener = driver.dmaUnmapListener();
        if (listener.isPresent()) {
            c.withDriver(
                    d -> {
                        d.ops().registerDevice(this, listener.get());
                        return null;
                    },
                    "open " + name);
        }
        registeredWith = c;
        try {
            driver.open(this);
        } catch (RuntimeException e) {
            unregister();
            throw e;
        }
    }

    /**
     * Opens the device through its cdev and binds it to a native context ({@code
     * VFIO_DEVICE_BIND_IOMMUFD}, vfio {@code vfio_df_ioctl_bind_iommufd}): the context makes the
     * device's access, then the driver's {@code open} runs; if it fails the binding is undone. The
     * device's pins then go to that access once it is attached to an IOAS ({@link
     * IommuContext#attach}); returns the device id in the context.
     *
     * @throws VfioException EBUSY if the device is open already (through its group or a cdev)
     */
    int bindIommufd(IommuContext context) {
        synchronized (lifecycle) {
            return vfio.operation(
                    () -> "bind device " + name + " to " + context,
                    () -> {
                        if (openCount > 0) {
                            throw VfioException.of(Errno.EBUSY, "device %s is open already", name);
                        }
                        int id = context.bindEmulatedAccess(this, driver.dmaUnmapListener());
                        openCount++;
                        nativeRoute = new NativeRoute(context, id);
                        try {
                            driver.open(this);
                        } catch (RuntimeException e) {
                            nativeRoute = null;
                            openCount--;
                            context.unbind(id);
                            throw e;
                        }
                        return id;
                    });
        }
    }

    /** True while the device is open through its cdev and bound to {@code context}. */
    boolean isBoundTo(IommuContext context) {
        NativeRoute r = nativeRoute;
        return r != null && r.context() == context;
    }

    /**
     * Closes the device. The last close calls the driver's {@code close} while the device still
     * counts as open (so the driver can unpin what it pinned), then unregisters it from the
     * backend.
     *
     * @throws IllegalStateException if the device is not open
     */
    public void close() {
        vfio.ensureOpen();
        synchronized (lifecycle) {
            if (openCount == 0) {
                throw new IllegalStateException("device " + name + " is not open");
            }
            vfio.operation(
                    () -> "close device " + name,
                    () -> {
                        try {
                            if (openCount == 1) {
                                try {
                                    driver.close(this);
                                } finally {
                                    unregister();
                                }
                            }
                        } finally {
                            openCount--;
                        }
                        return null;
                    });
        }
    }

    private void unregister() {
        NativeRoute route = nativeRoute;
        if (route != null) {
            // X10: the driver's close ran first; the access goes with the binding.
            nativeRoute = null;
            if (!route.context().isReleased()) {
                route.context().unbind(route.id());
            }
            return;
        }
        unregisterContainer();
    }

    private void unregisterContainer() {
        VfioContainer c = registeredWith;
        registeredWith = null;
        if (c != null && driver.dmaUnmapListener().isPresent()) {
            c.withDriver(
                    d -> {
                        d.ops().unregisterDevice(this);
                        return null;
                    },
                    "close " + name);
        }
    }

    /**
     * {@code vfio_pin_pages}: pins {@code npage} pages from {@code iova} and writes their host page
     * frame numbers into {@code pfns}.
     *
     * @return {@code npage}
     * @throws VfioException see the class comment, then the backend's errno
     */
    public int pinPages(long iova, int npage, int prot, long[] pfns) {
        return vfio.operation(
                () -> "pin " + npage + " pages at 0x" + Long.toHexString(iova) + " by " + name,
                () -> {
                    if (pfns == null || npage <= 0) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "pin by %s: npage %d and a page array are required",
                                name,
                                npage);
                    }
                    if (!isOpen()) {
                        throw VfioException.of(
                                Errno.EINVAL, "pin by %s: the device is not open", name);
                    }
                    if (driver.dmaUnmapListener().isEmpty()) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "pin by %s: the device has no DMA-unmap callback, so it may not pin",
                                name);
                    }
                    if (npage > maxPinPages()) {
                        throw VfioException.of(
                                Errno.E2BIG,
                                "pin by %s: %d pages in one call, at most %d",
                                name,
                                npage,
                                maxPinPages());
                    }
                    if (pfns.length < npage) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "pin by %s: page array holds %d entries, %d needed",
                                name,
                                pfns.length,
                                npage);
                    }
                    NativeRoute route = nativeRoute;
                    if (route != null) {
                        return route.context().accessPin(route.id(), iova, npage, prot, pfns);
                    }
                    VfioContainer c =
                            group.container()
                                    .orElseThrow(
                                            () ->
                                                    VfioException.of(
                                                            Errno.EINVAL,
                                                            "pin by %s: its group is not in a container",
                                                            name));
                    return c.withOpenDeviceDriver(
                            d -> d.ops().pinPages(this, iova, npage, prot, pfns), "pin by " + name);
                });
    }

    /**
     * {@code vfio_unpin_pages}: drops this device's reference on each page (see the class comment).
     */
    public void unpinPages(long iova, int npage) {
        vfio.operation(
                () -> "unpin " + npage + " pages at 0x" + Long.toHexString(iova) + " by " + name,
                () -> {
                    if (!isOpen()
                            || driver.dmaUnmapListener().isEmpty()
                            || npage <= 0
                            || npage > maxPinPages()) {
                        vfio.warn(
                                String.format(
                                        java.util.Locale.ROOT,
                                        "unpin by %s ignored: open=%s, callback=%s, npage=%d (kernel WARN_ON)",
                                        name,
                                        isOpen(),
                                        driver.dmaUnmapListener().isPresent(),
                                        npage));
                        return null;
                    }
                    NativeRoute route = nativeRoute;
                    if (route != null) {
                        route.context().accessUnpin(route.id(), iova, npage);
                        return null;
                    }
                    VfioContainer c = group.container().orElse(null);
                    if (c == null) {
                        vfio.warn("unpin by " + name + " ignored: its group is not in a container");
                        return null;
                    }
                    c.withOpenDeviceDriver(
                            d -> {
                                d.ops().unpinPages(this, iova, npage);
                                return null;
                            },
                            "unpin by " + name);
                    return null;
                });
    }

    /**
     * {@code vfio_dma_rw}: copies between {@code buf} and guest memory at {@code iova} without
     * pinning.
     *
     * @throws VfioException EINVAL for a bad buffer or a closed device; then the backend's errno
     */
    public void dmaRw(long iova, byte[] buf, int offset, int length, boolean write) {
        vfio.operation(
                () ->
                        (write ? "dma write " : "dma read ")
                                + length
                                + " bytes at 0x"
                                + Long.toHexString(iova)
                                + " by "
                                + name,
                () -> {
                    if (buf == null || length <= 0 || offset < 0 || offset + length > buf.length) {
                        throw VfioException.of(
                                Errno.EINVAL,
                                "dma_rw by %s: bad buffer or length %d",
                                name,
                                length);
                    }
                    if (!isOpen()) {
                        throw VfioException.of(
                                Errno.EINVAL, "dma_rw by %s: the device is not open", name);
                    }
                    NativeRoute route = nativeRoute;
                    if (route != null) {
                        route.context().accessRw(route.id(), iova, buf, offset, length, write);
                        return null;
                    }
                    VfioContainer c =
                            group.container()
                                    .orElseThrow(
                                            () ->
                                                    VfioException.of(
                                                            Errno.EINVAL,
                                                            "dma_rw by %s: its group is not in a container",
                                                            name));
                    c.withOpenDeviceDriver(
                            d -> {
                                d.ops().dmaRw(this, iova, buf, offset, length, write);
                                return null;
                            },
                            "dma_rw by " + name);
                    return null;
                });
    }

    @Override
    public String toString() {
        return "device " + name;
    }
}
