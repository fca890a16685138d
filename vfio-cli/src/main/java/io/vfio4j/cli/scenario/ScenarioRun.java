package io.vfio4j.cli.scenario;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.HugePage;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.host.power.PowerNvTableGroup;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.ScriptedDevice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The live state of one scenario run: the simulated host, the VFIO runtime, and the objects the
 * scenario's names refer to. Steps look everything up here by name.
 */
public final class ScenarioRun implements AutoCloseable {
    private final Scenario scenario;
    private final SimHost host;
    private final Vfio vfio;
    private final Map<String, SimProcess> processes = new LinkedHashMap<>();
    private final Map<String, SimAddressSpace> lastSpaces = new LinkedHashMap<>();
    private final Map<String, VfioContainer> containers = new LinkedHashMap<>();
    private final Map<String, Model.RegionDef> regions = new LinkedHashMap<>();
    private final Map<String, Long> windows = new LinkedHashMap<>();
    private final Map<String, Long> peakLocked = new LinkedHashMap<>();
    private final Map<String, Long> peakPins = new LinkedHashMap<>();
    private final Map<String, io.vfio4j.core.DiscoveredBackend> served = new LinkedHashMap<>();
    private final ScenarioMdevs mdevs;
    private final NativeRun natives;

    ScenarioRun(Scenario scenario, VfioConfiguration configuration) {
        this.scenario = scenario;
        this.host = buildHost(scenario.host(), configuration.kernel());
        this.vfio =
                Vfio.builder()
                        .host(host)
                        .configuration(configuration)
                        .withStandardSources()
                        .build();
        this.natives = new NativeRun(vfio);
        this.mdevs = new ScenarioMdevs(vfio, host.pageSize(), scenario.host().mdevParents());
        for (Model.ProcessDef p : scenario.processes()) {
            SimProcess proc =
                    host.spawnProcess(
                            ProcessSpec.builder()
                                    .name(p.name())
                                    .memlockLimitBytes(p.memlockBytes())
                                    .capIpcLock(p.capIpcLock())
                                    .capSysRawio(p.capSysRawio())
                                    .uid(p.uid())
                                    .build());
            processes.put(p.name(), proc);
            lastSpaces.put(p.name(), proc.simAddressSpace().orElseThrow());
            mmap(p.name(), p.regions());
        }
        for (Model.ContainerDef c : scenario.containers()) {
            containers.put(c.name(), vfio.openContainer());
        }
        observe();
    }

    static SimHost buildHost(Model.HostDef def, io.vfio4j.api.KernelVersion kernel) {
        SimHost h = hostBuilder(def).kernel(kernel).build();
        for (Model.GroupDef g : def.groups()) {
            h.addIommuGroup(groupSpec(def, g));
        }
        return h;
    }

    /** The host of {@code def} without its IOMMU groups. */
    static SimHost emptyHost(Model.HostDef def) {
        return hostBuilder(def).build();
    }

    private static SimHost.Builder hostBuilder(Model.HostDef def) {
        return SimHost.builder().platform(def.platform()).pageSize(def.pageSize()).eeh(def.eeh());
    }

    /** The IOMMU group a scenario declares, as the simulated host takes it. */
    static IommuGroupSpec groupSpec(Model.HostDef def, Model.GroupDef g) {
        IommuGroupSpec.Builder b =
                IommuGroupSpec.builder()
                        .id(g.id())
                        .devices(g.devices())
                        .pageSizeBitmap(g.pageSizeBitmap())
                        .interruptRemapping(g.interruptRemapping())
                        .driver(g.iommuDriver())
                        .enforceCacheCoherency(g.cacheCoherency());
        g.aperture().ifPresent(b::aperture);
        if (g.reserved().isPresent()) {
            b.reservedRegions(g.reserved().get());
        } else if (def.platform() == Platform.POWER) {
            b.reservedRegions(List.of());
        }
        if (g.tce().isPresent()) {
            Model.TceDef t = g.tce().get();
            PowerNvTableGroup.Builder pe =
                    PowerNvTableGroup.builder()
                            .systemPageShift(Long.numberOfTrailingZeros(def.pageSize()))
                            .tce32(t.dma32Start(), t.dma32Size())
                            .maxLevels(t.levels())
                            .platformType(t.platformType());
            if (t.pageSizeBitmap() != 0) {
                pe.pageSizes(t.pageSizeBitmap());
            }
            if (!t.ddw()) {
                pe.noDdw();
            }
            if (!t.windowOps()) {
                pe.withoutWindowOps();
            }
            if (!t.eeh()) {
                pe.withoutEeh();
            }
            b.tceTableGroup(pe.build());
        }
        return b.build();
    }

    /** The mapping a region declares, or null for a hole (a name for unbacked addresses). */
    static RegionSpec regionSpec(Model.RegionDef r) {
        RegionSpec spec =
                switch (r.backing()) {
                    case HOLE -> null;
                    case ANONYMOUS -> RegionSpec.anonymous(r.vaddr(), r.size());
                    case THP -> RegionSpec.thp(r.vaddr(), r.size());
                    case HUGETLB_2M -> RegionSpec.hugetlb(r.vaddr(), r.size(), HugePage.SIZE_2M);
                    case HUGETLB_16M -> RegionSpec.hugetlb(r.vaddr(), r.size(), HugePage.SIZE_16M);
                    case HUGETLB_1G -> RegionSpec.hugetlb(r.vaddr(), r.size(), HugePage.SIZE_1G);
                    case DEVICE -> RegionSpec.device(r.vaddr(), r.size());
                };
        return spec != null && r.readOnly() ? spec.readOnly() : spec;
    }

    /** Maps regions into a process's current address space. */
    void mmap(String process, List<Model.RegionDef> defs) {
        SimProcess p = process(process);
        for (Model.RegionDef r : defs) {
            RegionSpec spec = regionSpec(r);
            if (spec != null) {
                p.mmap(spec);
            }
            regions.put(r.name(), r);
        }
    }

    public Scenario scenario() {
        return scenario;
    }

    public SimHost host() {
        return host;
    }

    public Vfio vfio() {
        return vfio;
    }

    public long pageSize() {
        return host.pageSize();
    }

    ScenarioMdevs mdevs() {
        return mdevs;
    }

    /** The {@code /dev/iommu} contexts opened by steps, and their objects' ids. */
    NativeRun natives() {
        return natives;
    }

    /**
     * The process as the caller of a native ioctl: with CAP_SYS_RESOURCE when the scenario gives it
     * one (the simulated host's processes never have it; IOMMU_OPTION(RLIMIT_MODE) SET needs it).
     */
    io.vfio4j.api.host.Task nativeCaller(String name) {
        SimProcess p = process(name);
        boolean capable =
                scenario.processes().stream()
                        .anyMatch(d -> d.name().equals(name) && d.capSysResource());
        return capable ? new CapableTask(p) : p;
    }

    public SimProcess process(String name) {
        SimProcess p = processes.get(name);
        if (p == null) {
            throw new IllegalStateException("no process " + name);
        }
        return p;
    }

    public Map<String, SimProcess> processes() {
        return processes;
    }

    public Map<String, VfioContainer> containers() {
        return containers;
    }

    public VfioContainer container(String name) {
        VfioContainer c = containers.get(name);
        if (c == null) {
            throw new IllegalStateException("no container " + name);
        }
        return c;
    }

    /** The process's current address space, or the last one it had if it exited. */
    public SimAddressSpace space(String process) {
        SimProcess p = process(process);
        Optional<SimAddressSpace> now = p.simAddressSpace();
        now.ifPresent(s -> lastSpaces.put(process, s));
        return lastSpaces.get(process);
    }

    /** The locked_vm of a process (its current or last address space), in pages. */
    public long lockedVm(String process) {
        return space(process).lockedVm();
    }

    /** The state of a container, or of a {@code /dev/iommu} context of that name. */
    public Optional<BackendState> state(String container) {
        if (!containers.containsKey(container) && natives.has(container)) {
            return natives.state(container);
        }
        return container(container).state();
    }

    long resolve(Addr a) {
        if (a.base() == null) {
            return a.offset();
        }
        Model.RegionDef r = regions.get(a.base());
        if (r != null) {
            return r.vaddr() + a.offset();
        }
        Long w = windows.get(a.base());
        if (w == null) {
            throw new IllegalStateException(
                    "window '" + a.base() + "' was not created (its create step failed?)");
        }
        return w + a.offset();
    }

    /** The size of a named region, for map and register steps that give no size. */
    long regionSize(String name) {
        Model.RegionDef r = regions.get(name);
        if (r == null) {
            throw new IllegalStateException("no region " + name);
        }
        return r.size();
    }

    void saveWindow(String name, long start) {
        windows.put(name, start);
    }

    /** The VFIO group a reference names. */
    VfioGroup group(ParseContext.GroupRef ref) {
        if (ref.mdev() != null) {
            return mdevs.require(ref.mdev()).group();
        }
        return vfio.group(ref.iommuGroup());
    }

    /** A device by PCI address or mdev name. */
    VfioDevice device(String name) {
        Optional<MdevDevice> m = mdevs.find(name);
        if (m.isPresent()) {
            return m.get().vfioDevice();
        }
        for (var g : host.iommuGroups()) {
            if (g.devices().contains(name)) {
                return vfio.group(g.id()).device(name);
            }
        }
        throw VfioException.of(Errno.ENODEV, "no device %s", name);
    }

    /** The vendor driver behind an mdev, if {@code device} is one. */
    Optional<ScriptedDevice> vendor(String device) {
        return mdevs.vendor(device);
    }

    /** The hardware group a PCI device belongs to, if it is one. */
    Optional<Integer> iommuGroupOf(String device) {
        return host.iommuGroups().stream()
                .filter(g -> g.devices().contains(device))
                .map(g -> g.id())
                .findFirst();
    }

    /** Records peaks after a step. */
    void observe() {
        for (String p : processes.keySet()) {
            long v = lockedVm(p);
            peakLocked.merge(p, v, Math::max);
        }
        for (Map.Entry<String, VfioContainer> c : containers.entrySet()) {
            long pins;
            try {
                pins = c.getValue().state().map(BackendState::pinnedPages).orElse(0L);
            } catch (io.vfio4j.api.VfioException e) {
                pins = 0; // a backend that fails to report (EIO) has been warned of already
            }
            peakPins.merge(c.getKey(), pins, Math::max);
            c.getValue().backend().ifPresent(b -> served.put(c.getKey(), b));
        }
        for (String c : natives.contexts().keySet()) {
            long pins = natives.state(c).map(BackendState::pinnedPages).orElse(0L);
            peakPins.merge(c, pins, Math::max);
        }
    }

    /** The backend that last served {@code container}, even if it was released since. */
    java.util.Optional<io.vfio4j.core.DiscoveredBackend> servedBy(String container) {
        return java.util.Optional.ofNullable(served.get(container));
    }

    long peakLocked(String process) {
        return peakLocked.getOrDefault(process, 0L);
    }

    long peakPins(String container) {
        return peakPins.getOrDefault(container, 0L);
    }

    /** The aperture of a hardware group, for messages. */
    static String describe(IovaRange r) {
        return r.toString();
    }

    @Override
    public void close() {
        vfio.close();
    }
}
