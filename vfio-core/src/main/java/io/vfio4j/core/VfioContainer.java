package io.vfio4j.core;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VFIO container (one open {@code /dev/vfio/vfio}): the groups that share one IOMMU context and
 * the backend chosen for them with {@code VFIO_SET_IOMMU}. The kernel's rules (container.c):
 *
 * <ul>
 *   <li>{@link #setIommu}: EINVAL without a group or when a backend is set already; the type is
 *       offered to the backends in order and the first that accepts it and attaches every group
 *       wins; ENODEV if none accepts, or the last backend's error;
 *   <li>{@link #ioctl}: before SET_IOMMU, EINVAL (CHECK_EXTENSION is answered by the backends);
 *       after, the backend's answer, ENOTTY for a command it does not know;
 *   <li>the last group leaving releases the backend; the container is then unset again.
 * </ul>
 *
 * <p>Every call into a backend is guarded ({@link BackendCalls}): a backend whose {@code
 * checkExtension} throws answers 0, one whose {@code open} throws or returns null is passed over as
 * if it had refused the type (so SET_IOMMU ends in ENODEV when no other backend accepts), and any
 * other call that throws fails with EIO; each such failure is also recorded as a kernel warning.
 * The other backends and containers are unaffected.
 *
 * <p>Locking follows the kernel's {@code group_lock}: attach, detach and SET_IOMMU exclusively,
 * every other call shared. The backend has its own lock inside.
 */
public final class VfioContainer {
    private static final Logger LOG = LoggerFactory.getLogger(VfioContainer.class);

    /** {@code VFIO_API_VERSION}. */
    public static final int API_VERSION = 0;

    private final Vfio vfio;
    private final int id;
    private final ReentrantReadWriteLock groupLock = new ReentrantReadWriteLock();
    private final List<VfioGroup> groups = new ArrayList<>();
    private volatile Driver driver;

    /** The backend a container uses once SET_IOMMU succeeded. */
    record Driver(DiscoveredBackend backend, IommuType type, VfioIommuDriverOps ops) {}

    VfioContainer(Vfio vfio, int id) {
        this.vfio = vfio;
        this.id = id;
    }

    /** A number for messages and reports, unique in its {@link Vfio}. */
    public int id() {
        return id;
    }

    /** {@code VFIO_GET_API_VERSION}. */
    public int apiVersion() {
        return API_VERSION;
    }

    /**
     * {@code VFIO_SET_IOMMU} with the configured default backend's preferred type. Only that
     * backend is asked.
     *
     * @throws VfioException as {@link #setIommu(long)}
     */
    public void setIommu() {
        vfio.ensureOpen();
        DiscoveredBackend b =
                vfio.backends()
                        .defaultBackend()
                        .orElseThrow(
                                () ->
                                        new VfioException(
                                                Errno.ENODEV, "no IOMMU backend is available"));
        setIommu(b.name(), b.preferredType());
    }

    /** {@code VFIO_SET_IOMMU(type)}: offers the type to every backend in order. */
    public void setIommu(IommuType type) {
        setIommu(Objects.requireNonNull(type, "type").id());
    }

    /**
     * {@code VFIO_SET_IOMMU(arg)}: offers {@code typeId} to every backend in order.
     *
     * @throws VfioException EINVAL if no group is attached or a backend is already set; ENODEV if
     *     no backend accepts the type; the last accepting backend's error if all of them failed
     */
    public void setIommu(long typeId) {
        vfio.operation(
                () -> "SET_IOMMU(" + typeId + ") on container " + id,
                () -> {
                    trySetIommu(vfio.backends().offered(vfio.host().hostPlatform()), typeId);
                    return null;
                });
    }

    /**
     * {@code VFIO_SET_IOMMU} restricted to the backend {@code name} (selection by configuration).
     */
    public void setIommu(String backendName, IommuType type) {
        vfio.ensureOpen();
        Objects.requireNonNull(backendName, "backendName");
        Objects.requireNonNull(type, "type");
        DiscoveredBackend b = vfio.backends().require(backendName);
        vfio.operation(
                () -> "SET_IOMMU(" + backendName + ", " + type + ") on container " + id,
                () -> {
                    trySetIommu(List.of(b), type.id());
                    return null;
                });
    }

    private void trySetIommu(List<DiscoveredBackend> candidates, long typeId) {
        groupLock.writeLock().lock();
        try {
            if (driver != null) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "container %d already uses backend %s",
                        id,
                        driver.backend().name());
            }
            if (groups.isEmpty()) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "container %d has no group: attach a group before SET_IOMMU",
                        id);
            }
            Optional<IommuType> type = IommuType.ofId(typeId);
            boolean noIommu = groups.stream().anyMatch(g -> g.kind() == GroupKind.NO_IOMMU);
            VfioException last = null;
            for (DiscoveredBackend b : candidates) {
                if (type.isEmpty() || !b.types().contains(type.get())) {
                    continue;
                }
                // As the kernel: a no-IOMMU container takes only the no-IOMMU driver and vice
                // versa.
                if (noIommu != (type.get() == IommuType.NOIOMMU)) {
                    continue;
                }
                if (askExtension(b, typeId) <= 0) {
                    continue;
                }
                try {
                    Driver opened = open(b, type.get());
                    if (opened == null) {
                        continue;
                    }
                    driver = opened;
                    LOG.debug("container {} uses backend {} as {}", id, b.name(), type.get());
                    return;
                } catch (VfioException e) {
                    LOG.debug(
                            "backend {} refused {} for container {}: {}",
                            b.name(),
                            type.get(),
                            id,
                            e.getMessage());
                    last = e;
                }
            }
            if (last != null) {
                throw last;
            }
            throw VfioException.of(
                    Errno.ENODEV,
                    "no IOMMU backend accepts type %d%s; available: %s",
                    typeId,
                    noIommu ? " for a container with a no-IOMMU group" : "",
                    vfio.backends().describeAll());
        } finally {
            groupLock.writeLock().unlock();
        }
    }

    /**
     * Opens backend {@code b} for the container's groups.
     *
     * @return null if the backend's {@code open} misbehaved (threw other than its documented
     *     errors, or returned null): it is passed over as if it had refused the type
     */
    private Driver open(DiscoveredBackend b, IommuType type) {
        BackendSettings settings =
                new BackendSettings(b.name(), vfio.configuration().backendSettings(b.name()));
        ContainerDriverContext ctx =
                new ContainerDriverContext(
                        vfio.host(), type, settings, vfio.events(), vfio.configuration().kernel());
        VfioIommuDriverOps ops;
        String what = "open(" + type + ")";
        try {
            ops = BackendCalls.guarded(b, what, () -> b.provider().open(ctx));
        } catch (BackendCalls.BackendFailure e) {
            vfio.warn(e.detail);
            return null;
        }
        if (ops == null) {
            vfio.warn(
                    "IOMMU backend "
                            + b.describeOrigin()
                            + " failed in "
                            + what
                            + ": it returned null");
            return null;
        }
        List<VfioGroup> attached = new ArrayList<>();
        try {
            for (VfioGroup g : groups) {
                BackendCalls.guardedRun(b, "attachGroup(" + g.id() + ")", () -> ops.attachGroup(g));
                attached.add(g);
            }
        } catch (VfioException e) {
            for (int i = attached.size() - 1; i >= 0; i--) {
                VfioGroup g = attached.get(i);
                tolerant(b, "detachGroup(" + g.id() + ")", () -> ops.detachGroup(g));
            }
            tolerant(b, "release", ops::release);
            throw e;
        }
        return new Driver(b, type, ops);
    }

    /** Asks {@code b} about an extension; a backend that fails answers 0 (and is warned of). */
    private int askExtension(DiscoveredBackend b, long extension) {
        try {
            return BackendCalls.guarded(
                    b,
                    "checkExtension",
                    extension,
                    () ->
                            b.provider()
                                    .checkExtension(
                                            extension, vfio.host(), vfio.configuration().kernel()));
        } catch (BackendCalls.BackendFailure e) {
            vfio.warn(e.detail);
            return 0;
        }
    }

    /** A call that must not fail; a failure becomes a kernel warning and clean-up goes on. */
    private void tolerant(DiscoveredBackend b, String what, Runnable call) {
        String failure = BackendCalls.tolerant(b, what, call);
        if (failure != null) {
            vfio.warn(failure);
        }
    }

    /**
     * {@code VFIO_CHECK_EXTENSION}: the backend's answer once set; before, the first positive
     * answer of any backend (the kernel asks every registered driver).
     */
    public int checkExtension(Task caller, long extension) {
        return ioctl(caller, new CheckExtension(extension));
    }

    /**
     * A container ioctl passed to the backend.
     *
     * @throws VfioException EINVAL before SET_IOMMU; otherwise the backend's errno
     * @throws NullPointerException naming the parameter for a null caller or command
     */
    public <R> R ioctl(Task caller, VfioCommand<R> command) {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(command, "command");
        return vfio.operation(
                () -> command.ioctlName() + " on container " + id,
                () -> {
                    groupLock.readLock().lock();
                    try {
                        if (driver == null) {
                            if (command instanceof CheckExtension ce) {
                                @SuppressWarnings("unchecked")
                                R r = (R) Integer.valueOf(checkExtensionUnset(ce.extension()));
                                return r;
                            }
                            throw VfioException.of(
                                    Errno.EINVAL,
                                    "%s on container %d before VFIO_SET_IOMMU",
                                    command.ioctlName(),
                                    id);
                        }
                        Driver d = driver;
                        R r =
                                BackendCalls.guarded(
                                        d.backend(),
                                        "execute",
                                        command,
                                        () -> d.ops().execute(caller, command));
                        if (r == null && command instanceof CheckExtension) {
                            throw BackendCalls.failure(
                                    d.backend(),
                                    BackendCalls.describe("execute", command),
                                    new IllegalStateException("it returned null"));
                        }
                        return r;
                    } finally {
                        groupLock.readLock().unlock();
                    }
                });
    }

    private int checkExtensionUnset(long extension) {
        for (DiscoveredBackend b : vfio.backends().offered(vfio.host().hostPlatform())) {
            int r = askExtension(b, extension);
            if (r > 0) {
                return r;
            }
        }
        return 0;
    }

    /** Called by {@link VfioGroup#setContainer}. */
    void attach(VfioGroup group) {
        groupLock.writeLock().lock();
        try {
            if (driver != null) {
                Driver d = driver;
                BackendCalls.guarded(
                        d.backend(),
                        "attachGroup",
                        group.id(),
                        () -> {
                            d.ops().attachGroup(group);
                            return null;
                        });
            }
            groups.add(group);
        } finally {
            groupLock.writeLock().unlock();
        }
    }

    /** Called by {@link VfioGroup#unsetContainer}: the last group leaving releases the backend. */
    void detach(VfioGroup group) {
        groupLock.writeLock().lock();
        try {
            if (!groups.remove(group)) {
                throw new IllegalStateException(group.describe() + " is not in container " + id);
            }
            Driver d = driver;
            if (d != null) {
                tolerant(
                        d.backend(),
                        "detachGroup(" + group.id() + ")",
                        () -> d.ops().detachGroup(group));
                if (groups.isEmpty()) {
                    tolerant(d.backend(), "release", d.ops()::release);
                    driver = null;
                    LOG.debug(
                            "container {}: last group left, backend {} released",
                            id,
                            d.backend().name());
                }
            }
        } finally {
            groupLock.writeLock().unlock();
        }
    }

    /**
     * Runs {@code call} with the backend for an open device of this container (pin, unpin, dma_rw)
     * without the group lock, as the kernel's {@code vfio_device_container_pin_pages} takes no
     * {@code group_lock}: the open device keeps its group in the container, so the backend cannot
     * be released meanwhile. Taking the lock here deadlocks a vendor that holds its own lock across
     * a pin while its DMA-unmap callback (run under an UNMAP that holds the group lock shared)
     * waits for that lock and an attach or detach is queued for the group lock.
     */
    <T> T withOpenDeviceDriver(java.util.function.Function<Driver, T> call, String what) {
        Driver d = driver;
        if (d == null) {
            throw VfioException.of(
                    Errno.EINVAL, "%s: container %d has no IOMMU backend set", what, id);
        }
        return BackendCalls.guarded(d.backend(), what, () -> call.apply(d));
    }

    /** The backend's bound on one pin call, once SET_IOMMU succeeded (a guarded call). */
    Optional<Long> maxPinPages(long pageSize) {
        Driver d = driver;
        if (d == null) {
            return Optional.empty();
        }
        return Optional.of(
                BackendCalls.guarded(
                        d.backend(), "maxPinPages", () -> d.ops().maxPinPages(pageSize)));
    }

    /** Runs {@code call} with the backend while holding the group lock shared. */
    <T> T withDriver(java.util.function.Function<Driver, T> call, String what) {
        groupLock.readLock().lock();
        try {
            if (driver == null) {
                throw VfioException.of(
                        Errno.EINVAL, "%s: container %d has no IOMMU backend set", what, id);
            }
            Driver d = driver;
            return BackendCalls.guarded(d.backend(), what, () -> call.apply(d));
        } finally {
            groupLock.readLock().unlock();
        }
    }

    /** The backend serving this container, with its origin, once SET_IOMMU succeeded. */
    public Optional<DiscoveredBackend> backend() {
        groupLock.readLock().lock();
        try {
            return Optional.ofNullable(driver).map(Driver::backend);
        } finally {
            groupLock.readLock().unlock();
        }
    }

    /** The backend's name, once SET_IOMMU succeeded. */
    public Optional<String> backendName() {
        groupLock.readLock().lock();
        try {
            return Optional.ofNullable(driver).map(d -> d.backend().name());
        } finally {
            groupLock.readLock().unlock();
        }
    }

    /** The IOMMU type chosen with SET_IOMMU. */
    public Optional<IommuType> iommuType() {
        groupLock.readLock().lock();
        try {
            return Optional.ofNullable(driver).map(Driver::type);
        } finally {
            groupLock.readLock().unlock();
        }
    }

    /** The groups attached now, in attach order. */
    public List<VfioGroup> groups() {
        groupLock.readLock().lock();
        try {
            return List.copyOf(groups);
        } finally {
            groupLock.readLock().unlock();
        }
    }

    /** The backend's state, or empty before SET_IOMMU. */
    public Optional<BackendState> state() {
        groupLock.readLock().lock();
        try {
            Driver d = driver;
            if (d == null) {
                return Optional.empty();
            }
            BackendState s = BackendCalls.guarded(d.backend(), "state", () -> d.ops().state());
            if (s == null) {
                throw BackendCalls.failure(
                        d.backend(), "state", new IllegalStateException("it returned null"));
            }
            return Optional.of(s);
        } finally {
            groupLock.readLock().unlock();
        }
    }

    /** Lets the invariant checker read the backend's claims. */
    void audit(io.vfio4j.api.AuditSink sink) {
        groupLock.readLock().lock();
        try {
            Driver d = driver;
            if (d != null) {
                BackendCalls.guardedRun(d.backend(), "audit", () -> d.ops().audit(sink));
            }
        } finally {
            groupLock.readLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "container " + id;
    }
}
