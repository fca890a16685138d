package io.vfio4j.core;

import com.google.inject.Injector;
import com.google.inject.Module;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.VfioException;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: the VFIO layer of one simulated host. It discovers and validates the IOMMU
 * backends, opens containers and groups, and (when {@code vfio4j.check-invariants} is on) proves
 * the accounting invariants after every operation.
 *
 * <p>By default it reads nothing from its environment: its backends come from the class path and
 * the sources given to the builder, its settings from {@link Builder#configuration} only. {@link
 * Builder#withStandardSources()} opts in to {@code ./vfio4j.properties}, {@code -Dvfio4j.*} system
 * properties and the {@code plugins} directory, as the command line does.
 *
 * <p>{@link #close()} releases everything, as process exit closes every file descriptor; every
 * later call on the runtime or its containers, groups and devices that would act on them throws
 * {@link IllegalStateException} "this Vfio is closed". See docs/embedding.md.
 *
 * <pre>{@code
 * SimHost host = SimHost.builder().build();
 * try (Vfio vfio = Vfio.builder().host(host).build()) {
 *     VfioContainer container = vfio.openContainer();
 *     vfio.group(7).setContainer(qemu, container);
 *     container.setIommu(IommuType.TYPE1v2);
 *     container.ioctl(qemu, MapDma.rw(vaddr, iova, size));
 * }
 * }</pre>
 */
public final class Vfio implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Vfio.class);

    private final SimHost host;
    private final VfioConfiguration configuration;
    private final BackendRegistry backends;
    private final List<BackendSource> sources;
    private final VfioEvents events;
    private final Injector injector;
    private final Map<String, VfioDeviceDriver> deviceDrivers;
    private final InvariantChecker invariants;
    private final java.util.function.Consumer<String> hostWarnings;
    private final Map<Integer, VfioGroup> groups = new LinkedHashMap<>();
    private final List<VfioContainer> containers = new ArrayList<>();
    private final List<IommuContext> iommuContexts = new ArrayList<>();
    private int nextContainerId = 1;
    private int nextVirtualGroupId;
    private volatile boolean closed;

    Vfio(
            SimHost host,
            VfioConfiguration configuration,
            BackendRegistry backends,
            List<BackendSource> sources,
            VfioEventSink sink,
            Map<String, VfioDeviceDriver> deviceDrivers,
            Injector injector) {
        this.host = host;
        this.configuration = configuration;
        this.backends = backends;
        this.sources = List.copyOf(sources);
        this.events = new VfioEvents(host, sink);
        this.hostWarnings = events::kernelWarn;
        host.addWarnListener(hostWarnings);
        this.injector = injector;
        this.deviceDrivers = Map.copyOf(deviceDrivers);
        this.invariants = new InvariantChecker(this, configuration.checkInvariants());
    }

    public static Builder builder() {
        return new Builder();
    }

    public SimHost host() {
        return host;
    }

    public VfioConfiguration configuration() {
        return configuration;
    }

    /** The validated backends, in the order SET_IOMMU offers a type to them. */
    public BackendRegistry backends() {
        return backends;
    }

    /**
     * The injector the runtime was wired with: {@link VfioModule}'s bindings with the application's
     * overrides, and the {@link BackendRegistry}.
     */
    public Injector injector() {
        return injector;
    }

    VfioEvents events() {
        return events;
    }

    /** The invariant checker; enabled by {@code vfio4j.check-invariants=true}. */
    public InvariantChecker invariants() {
        return invariants;
    }

    /** Opens {@code /dev/vfio/vfio}: a new, empty container. */
    public synchronized VfioContainer openContainer() {
        ensureOpen();
        VfioContainer c = new VfioContainer(this, nextContainerId++);
        containers.add(c);
        return c;
    }

    /**
     * Opens {@code /dev/iommu}: a device-centric context of the first backend (in the registry's
     * order) whose provider also implements {@link io.vfio4j.api.ioas.NativeIommuProvider}.
     *
     * @throws VfioException ENODEV if no backend offers it
     */
    public synchronized IommuContext openIommuContext() {
        ensureOpen();
        DiscoveredBackend b =
                backends.backends().stream()
                        .filter(x -> x.provider() instanceof io.vfio4j.api.ioas.NativeIommuProvider)
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        VfioException.of(
                                                Errno.ENODEV,
                                                "/dev/iommu: no backend offers native IOMMU"
                                                        + " contexts"));
        IommuContext c = new IommuContext(this, b, iommuContexts.size() + 1);
        iommuContexts.add(c);
        return c;
    }

    /** Every {@code /dev/iommu} context opened and not closed. */
    public synchronized List<IommuContext> iommuContexts() {
        return iommuContexts.stream().filter(c -> !c.isReleased()).toList();
    }

    /** Every container opened so far. */
    public synchronized List<VfioContainer> containers() {
        return List.copyOf(containers);
    }

    /**
     * Opens {@code /dev/vfio/<id>}, the VFIO group of a hardware IOMMU group. Opening it again
     * returns the same group. Each device gets the driver bound for its name in {@link
     * VfioModule#deviceDrivers}, else {@link VfioDeviceDriver#PASSTHROUGH}.
     *
     * @throws VfioException ENOENT if the host has no such IOMMU group
     */
    public synchronized VfioGroup group(int iommuGroupId) {
        ensureOpen();
        VfioGroup g = groups.get(iommuGroupId);
        if (g != null) {
            return g;
        }
        SimIommuGroup hw =
                host.iommuGroup(iommuGroupId)
                        .orElseThrow(
                                () ->
                                        VfioException.of(
                                                Errno.ENOENT,
                                                "/dev/vfio/%d: the host has no IOMMU group %d",
                                                iommuGroupId,
                                                iommuGroupId));
        g = new VfioGroup(this, iommuGroupId, GroupKind.IOMMU, hw);
        for (String device : hw.devices()) {
            g.addDevice(device, deviceDrivers.getOrDefault(device, VfioDeviceDriver.PASSTHROUGH));
        }
        groups.put(iommuGroupId, g);
        return g;
    }

    /**
     * Creates a group with no hardware IOMMU for one device: an emulated group for a mediated
     * device ({@link GroupKind#EMULATED}), or a no-IOMMU group ({@link GroupKind#NO_IOMMU}). Its
     * number never clashes with a hardware group's.
     */
    public synchronized VfioGroup createVirtualGroup(
            GroupKind kind, String device, VfioDeviceDriver driver) {
        ensureOpen();
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(driver, "driver");
        if (kind == GroupKind.IOMMU) {
            throw new IllegalArgumentException("IOMMU groups come from the host; use group(id)");
        }
        int base = host.iommuGroups().stream().mapToInt(SimIommuGroup::id).max().orElse(-1) + 1;
        int id = Math.max(base, nextVirtualGroupId);
        while (groups.containsKey(id)) {
            id++;
        }
        nextVirtualGroupId = id + 1;
        VfioGroup g = new VfioGroup(this, id, kind, null);
        g.addDevice(device, driver);
        groups.put(id, g);
        return g;
    }

    /**
     * Removes a virtual group (its device went away). A removed group cannot be attached again
     * (ENODEV).
     *
     * @throws VfioException EBUSY if the group is still in a container or its device is open;
     *     ENODEV if it was removed already
     * @throws IllegalArgumentException for a hardware group or a group of another runtime
     */
    public synchronized void removeVirtualGroup(VfioGroup group) {
        ensureOpen();
        Objects.requireNonNull(group, "group");
        if (group.isRemoved()) {
            throw VfioException.of(Errno.ENODEV, "%s was removed already", group.describe());
        }
        if (groups.get(group.id()) != group) {
            throw new IllegalArgumentException(group.describe() + " is not a group of this Vfio");
        }
        if (group.kind() == GroupKind.IOMMU) {
            throw new IllegalArgumentException(group.describe() + " is a hardware group");
        }
        if (group.container().isPresent()) {
            throw VfioException.of(
                    Errno.EBUSY, "%s is still in %s", group.describe(), group.container().get());
        }
        group.markRemoved();
        groups.remove(group.id());
    }

    /** Every group opened or created so far. */
    public synchronized List<VfioGroup> groups() {
        return List.copyOf(groups.values());
    }

    /** Vendor-driver leaks found when groups left containers (vfio4j's documented deviation). */
    public List<VendorLeak> vendorLeaks() {
        return events.leaks();
    }

    /**
     * Kernel WARNs the model hit, in order: the core's (e.g. an unpin by a closed device), the
     * backends' (reported through {@link io.vfio4j.api.VfioEventSink#kernelWarn}) and the host's
     * (e.g. a {@code locked_vm} underflow).
     */
    public List<String> warnings() {
        return events.warnings();
    }

    void warn(String message) {
        events.kernelWarn(message);
    }

    /**
     * Runs one user-visible operation. The description is built only if a check fails, so hot paths
     * such as single-page pins pay nothing for it. Operations nest (a DMA-unmap callback unpins
     * inside an unmap); the invariant check runs when the outermost one ends, successful or not.
     */
    <T> T operation(Supplier<String> description, Supplier<T> op) {
        ensureOpen();
        invariants.beforeOperation();
        boolean ok = false;
        try {
            T result = op.get();
            ok = true;
            return result;
        } finally {
            invariants.afterOperation(description, ok);
        }
    }

    /**
     * @throws IllegalStateException "this Vfio is closed" once {@link #close()} ran
     */
    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this Vfio is closed");
        }
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Releases everything, as the kernel does when a process exits and its file descriptors close:
     * every open device is closed (its driver's {@code close} unpins what it pinned), every group
     * leaves its container (the backend reports a vendor's leftover pins as {@link VendorLeak}s and
     * unpins them), and the last group leaving a container releases its backend (unmap, unpin,
     * un-charge {@code locked_vm}). Then the backend sources (plugin class loaders) close. A second
     * call does nothing. Failures of one release are logged and added to {@link #warnings()}; the
     * others still run.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            iommuContexts.forEach(IommuContext::releaseQuietly);
            new VfioRelease(this).releaseAll(List.copyOf(groups.values()));
        } finally {
            closed = true;
            host.removeWarnListener(hostWarnings);
            closeSources();
        }
    }

    private void closeSources() {
        for (BackendSource s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("closing backend source {} failed: {}", s, e.toString());
            }
        }
    }

    /**
     * Configures and builds a {@link Vfio}. Without further calls the runtime reads nothing from
     * its environment: backends come from the class path, settings are the defaults.
     */
    public static final class Builder {
        private SimHost host;
        private VfioConfiguration configuration;
        private final List<BackendSource> sources = new ArrayList<>();
        private final List<Module> modules = new ArrayList<>();
        private boolean classPath = true;
        private boolean standardSources;
        private boolean pluginDirectoryOff;
        private Path pluginDirectory;

        private Builder() {}

        /** The host to model; a default {@link SimHost} otherwise. */
        public Builder host(SimHost host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The settings; {@link VfioConfiguration#defaults()} otherwise. */
        public Builder configuration(VfioConfiguration configuration) {
            this.configuration = Objects.requireNonNull(configuration, "configuration");
            return this;
        }

        /**
         * Opts in to the ambient sources a command-line program reads: the configuration, unless
         * given with {@link #configuration}, is loaded from {@code ./vfio4j.properties} (or the
         * file named by {@code -Dvfio4j.config}) overridden by {@code -Dvfio4j.*} system
         * properties; and the plugin directory ({@code vfio4j.plugin.dir}, default {@code plugins}
         * in the working directory) is scanned for backend jars.
         */
        public Builder withStandardSources() {
            this.standardSources = true;
            return this;
        }

        /** Scans this plugin directory for backend jars (whatever the configuration says). */
        public Builder pluginDirectory(Path directory) {
            this.pluginDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Guice modules that override {@link VfioModule}'s bindings ({@code Modules.override}
         * semantics: a binding of the same key replaces the runtime's) and add new ones, e.g. the
         * application's own {@link VfioEventSink} or backends added to {@link
         * VfioModule#providers}.
         */
        public Builder modules(Module... modules) {
            for (Module m : modules) {
                this.modules.add(Objects.requireNonNull(m, "module"));
            }
            return this;
        }

        /**
         * Adds a source of backends after the class path and the plugin directory (e.g. a test's
         * own providers).
         */
        public Builder addSource(BackendSource source) {
            sources.add(Objects.requireNonNull(source, "source"));
            return this;
        }

        /** Leaves the class path out of discovery (tests that want only their own sources). */
        public Builder withoutClassPath() {
            this.classPath = false;
            return this;
        }

        /**
         * Leaves the plugin directory out of discovery, even when {@code vfio4j.plugin.dir} is set
         * or the standard sources are on.
         */
        public Builder withoutPluginDirectory() {
            this.pluginDirectoryOff = true;
            return this;
        }

        /**
         * Discovers and validates the backends, then wires them with Guice.
         *
         * @throws io.vfio4j.api.VfioConfigurationException on any invalid provider or setting
         */
        public Vfio build() {
            return VfioAssembly.build(
                    new VfioAssembly.Request(
                            host,
                            configuration,
                            List.copyOf(sources),
                            List.copyOf(modules),
                            classPath,
                            standardSources,
                            pluginDirectoryOff,
                            pluginDirectory));
        }
    }
}
