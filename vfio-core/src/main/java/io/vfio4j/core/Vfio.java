package io.vfio4j.core;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.plugin.PluginDirectorySource;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuGroup;
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
    private final InvariantChecker invariants;
    private final Map<Integer, VfioGroup> groups = new LinkedHashMap<>();
    private final List<VfioContainer> containers = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private int nextContainerId = 1;
    private int nextVirtualGroupId;
    private boolean closed;

    private Vfio(
            SimHost host,
            VfioConfiguration configuration,
            BackendRegistry backends,
            List<BackendSource> sources) {
        this.host = host;
        this.configuration = configuration;
        this.backends = backends;
        this.sources = List.copyOf(sources);
        this.events = new VfioEvents(host);
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

    /** Every container opened so far. */
    public synchronized List<VfioContainer> containers() {
        return List.copyOf(containers);
    }

    /**
     * Opens {@code /dev/vfio/<id>}, the VFIO group of a hardware IOMMU group. Opening it again
     * returns the same group.
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
            g.addDevice(device, VfioDeviceDriver.PASSTHROUGH);
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
        if (kind == GroupKind.IOMMU) {
            throw new IllegalArgumentException("IOMMU groups come from the host; use group(id)");
        }
        Objects.requireNonNull(device, "device");
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
     * Removes a virtual group (its device went away).
     *
     * @throws VfioException EBUSY if the group is still in a container or its device is open
     */
    public synchronized void removeVirtualGroup(VfioGroup group) {
        if (group.kind() == GroupKind.IOMMU) {
            throw new IllegalArgumentException(group.describe() + " is a hardware group");
        }
        if (group.container().isPresent()) {
            throw VfioException.of(
                    Errno.EBUSY, "%s is still in %s", group.describe(), group.container().get());
        }
        for (VfioDevice d : group.devices()) {
            group.removeDevice(d.name());
        }
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

    /** Kernel WARNs the model hit (e.g. an unpin by a closed device), in order. */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    synchronized void warn(String message) {
        LOG.warn(message);
        warnings.add(message);
    }

    /**
     * Runs one user-visible operation. The description is built only if a check fails, so hot paths
     * such as single-page pins pay nothing for it. Operations nest (a DMA-unmap callback unpins
     * inside an unmap); the invariant check runs when the outermost one ends, successful or not.
     */
    <T> T operation(Supplier<String> description, Supplier<T> op) {
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

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this Vfio is closed");
        }
    }

    /** Closes the backend sources (plugin class loaders). Containers are not touched. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (BackendSource s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("closing backend source {} failed: {}", s, e.toString());
            }
        }
    }

    /** Configures and builds a {@link Vfio}. */
    public static final class Builder {
        private SimHost host;
        private VfioConfiguration configuration;
        private final List<BackendSource> sources = new ArrayList<>();
        private boolean classPath = true;
        private boolean pluginDirectory = true;

        private Builder() {}

        public Builder host(SimHost host) {
            this.host = host;
            return this;
        }

        public Builder configuration(VfioConfiguration configuration) {
            this.configuration = configuration;
            return this;
        }

        /**
         * Adds a source of backends after the class path and the plugin directory (e.g. a test's
         * own providers).
         */
        public Builder addSource(BackendSource source) {
            sources.add(source);
            return this;
        }

        /** Leaves the class path out of discovery (tests that want only their own sources). */
        public Builder withoutClassPath() {
            this.classPath = false;
            return this;
        }

        /** Leaves the plugin directory ({@code vfio4j.plugin.dir}) out of discovery. */
        public Builder withoutPluginDirectory() {
            this.pluginDirectory = false;
            return this;
        }

        /**
         * Discovers and validates the backends, then wires them with Guice.
         *
         * @throws io.vfio4j.api.VfioConfigurationException on any invalid provider or setting
         */
        public Vfio build() {
            SimHost h = host != null ? host : SimHost.builder().build();
            VfioConfiguration cfg =
                    configuration != null ? configuration : VfioConfiguration.load();
            List<BackendSource> all = new ArrayList<>();
            if (classPath) {
                all.add(ClassPathBackendSource.ofContext());
            }
            if (pluginDirectory) {
                all.add(new PluginDirectorySource(cfg.pluginDirectory()));
            }
            all.addAll(sources);
            try {
                List<DiscoveredBackend> discovered =
                        new BackendDiscovery().discover(all, cfg, h.hostPlatform());
                Injector injector =
                        Guice.createInjector(
                                Stage.PRODUCTION, new BackendRegistryModule(discovered, cfg));
                return new Vfio(h, cfg, injector.getInstance(BackendRegistry.class), all);
            } catch (RuntimeException e) {
                all.forEach(BackendSource::close);
                throw e;
            }
        }
    }
}
