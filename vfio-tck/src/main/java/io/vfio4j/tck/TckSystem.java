package io.vfio4j.tck;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.BackendSource;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevType;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A complete test system around the backend under test: a simulated host with two hardware IOMMU
 * groups (1 and 2), a VMM process with guest RAM and a 1 GiB locked-memory limit (no CAP_IPC_LOCK,
 * but CAP_SYS_RAWIO so no-IOMMU groups are allowed), and a {@link Vfio} that knows only the
 * provider under test and checks the accounting invariants after every operation. Emulated and
 * no-IOMMU groups are created on demand, each with one {@link TckVendorDriver}: an emulated group
 * is the group of an mdev created on mdev-core's {@link MdevBus} (parent {@value #MDEV_PARENT},
 * type {@code tck-vgpu}, a well-behaved {@link ScriptedVendor}); a no-IOMMU group's device is a
 * scripted device too, without a bus.
 */
public final class TckSystem implements AutoCloseable {
    /** Where the guest RAM starts in the VMM's address space. */
    public static final long RAM_VADDR = 0x7f00_0000_0000L;

    /** Guest RAM size: 64 MiB of anonymous memory (simulated, not materialized). */
    public static final long RAM_SIZE = 64L << 20;

    /** The parent device of the kit's mdevs. */
    public static final String MDEV_PARENT = "0000:7f:00.0";

    /** How many mdevs the kit's type can host at once. */
    public static final int MDEV_INSTANCES = 16;

    /** The VMM's RLIMIT_MEMLOCK. */
    public static final long MEMLOCK_LIMIT = 1L << 30;

    private final TckBackend backend;
    private final SimHost host;
    private final SimProcess vmm;
    private final Vfio vfio;
    private final Map<String, VfioGroup> virtualGroups = new HashMap<>();
    private final Map<Integer, TckVendorDriver> vendors = new HashMap<>();
    private final MdevBus mdevBus;
    private final MdevType mdevType;

    private TckSystem(TckBackend backend) {
        this.backend = backend;
        this.host = backend.platform().newHost();
        host.addIommuGroup(backend.platform().group(1));
        host.addIommuGroup(backend.platform().group(2));
        this.vmm =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("tck-vmm")
                                .memlockLimitBytes(MEMLOCK_LIMIT)
                                .capSysRawio(true)
                                .build());
        vmm.mmap(RegionSpec.anonymous(RAM_VADDR, RAM_SIZE));
        this.vfio =
                Vfio.builder()
                        .host(host)
                        .configuration(configuration(backend, Map.of()))
                        .withoutClassPath()
                        .withoutPluginDirectory()
                        .addSource(source(backend))
                        .build();
        this.mdevBus = new MdevBus(vfio);
        this.mdevType =
                mdevBus.registerParent(
                                MDEV_PARENT,
                                new ScriptedVendor("tck", host.pageSize()),
                                List.of(
                                        new MdevTypeSpec(
                                                "vgpu",
                                                "a scripted vendor device",
                                                MDEV_INSTANCES)))
                        .requireType("tck-vgpu");
    }

    /** Starts a system with only {@code backend.provider()} as backend. */
    public static TckSystem start(TckBackend backend) {
        return new TckSystem(backend);
    }

    /**
     * The configuration a TCK system uses: invariant checks on, the backend under test as default,
     * its settings, plus {@code extra} keys.
     */
    public static VfioConfiguration configuration(TckBackend backend, Map<String, String> extra) {
        String name = backend.provider().name();
        Map<String, String> keys = new TreeMap<>();
        keys.put(VfioConfiguration.CHECK_INVARIANTS, "true");
        keys.put(VfioConfiguration.DEFAULT_BACKEND, name);
        backend.settings()
                .forEach((k, v) -> keys.put(VfioConfiguration.BACKEND_PREFIX + name + "." + k, v));
        keys.putAll(extra);
        return VfioConfiguration.of(keys);
    }

    /** A backend source that offers only the provider under test. */
    public static BackendSource source(TckBackend backend) {
        return () ->
                List.of(
                        DiscoveredBackend.describe(
                                backend.provider(),
                                "vfio-tck: " + backend.provider().getClass().getName()));
    }

    public TckBackend backend() {
        return backend;
    }

    public SimHost host() {
        return host;
    }

    public Vfio vfio() {
        return vfio;
    }

    /** The VMM: the caller of every ioctl. */
    public SimProcess vmm() {
        return vmm;
    }

    public long pageSize() {
        return host.pageSize();
    }

    /** The VMM's locked_vm, in host pages. */
    public long lockedVm() {
        return vmm.simAddressSpace().orElseThrow().lockedVm();
    }

    /**
     * Group {@code n} (from 1) of {@code kind}: hardware groups 1 and 2 of the host, or a virtual
     * group with its own vendor device, created on first use.
     */
    public VfioGroup group(GroupKind kind, int n) {
        switch (kind) {
            case IOMMU:
                return vfio.group(n);
            case EMULATED:
                return mdev(n).group();
            case NO_IOMMU:
                return virtualGroup(kind, "tck-noiommu-" + n);
            default:
                throw new IllegalArgumentException("unknown group kind " + kind);
        }
    }

    /**
     * The kit's mdev {@code n} (from 1), created on first use with UUID {@link #mdevUuid(int)}.
     *
     * @throws io.vfio4j.api.VfioException EUSERS beyond {@link #MDEV_INSTANCES} live mdevs
     */
    public MdevDevice mdev(int n) {
        UUID uuid = mdevUuid(n);
        Optional<MdevDevice> live = mdevBus.device(uuid);
        if (live.isPresent()) {
            return live.get();
        }
        MdevDevice d = mdevBus.create(mdevType, uuid);
        vendors.put(d.group().id(), new TckVendorDriver(ScriptedVendor.of(d)));
        return d;
    }

    /** The UUID of the kit's mdev {@code n}. */
    public static UUID mdevUuid(int n) {
        return new UUID(0x7c4b_0000_0000_4000L, 0x8000_0000_0000_0000L | n);
    }

    /** The mdev bus of this system, with the kit's parent registered. */
    public MdevBus mdevBus() {
        return mdevBus;
    }

    /** The type of the kit's mdevs. */
    public MdevType mdevType() {
        return mdevType;
    }

    private VfioGroup virtualGroup(GroupKind kind, String device) {
        return virtualGroups.computeIfAbsent(
                device,
                d -> {
                    ScriptedDevice scripted =
                            new ScriptedDevice(VendorBehaviour.WELL_BEHAVED, host.pageSize());
                    VfioGroup g =
                            vfio.createVirtualGroup(kind, d, TckVendorDriver.driverFor(scripted));
                    vendors.put(g.id(), new TckVendorDriver(scripted));
                    return g;
                });
    }

    /** The vendor driver behind a virtual group's device. */
    public Optional<TckVendorDriver> vendor(VfioGroup group) {
        return Optional.ofNullable(vendors.get(group.id()));
    }

    /** Opens the vendor device of a virtual group (its container must have a backend set). */
    public TckVendorDriver openVendor(VfioGroup group) {
        TckVendorDriver v =
                vendor(group)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                group.describe() + " has no vendor device"));
        group.openDevice(group.devices().get(0).name());
        return v;
    }

    /**
     * A container with group 1, 2, ... of each kind in order, set to the backend under test with
     * {@code VFIO_SET_IOMMU(type)}.
     */
    public VfioContainer container(GroupKind... kinds) {
        VfioContainer c = vfio.openContainer();
        Map<GroupKind, Integer> used = new HashMap<>();
        for (GroupKind k : kinds) {
            group(k, used.merge(k, 1, Integer::sum)).setContainer(vmm, c);
        }
        c.setIommu(backend.provider().name(), backend.type());
        return c;
    }

    /** The first IOVA the mapping helpers use: 1 MiB for type1, 0 (the default window) else. */
    public long iovaBase() {
        return backend.windowedMapping() ? 0 : 1L << 20;
    }

    /** The IOVA of page {@code page} from {@link #iovaBase()}. */
    public long iova(long page) {
        return iovaBase() + page * pageSize();
    }

    /** The guest RAM address mapped at {@code iova} by the helpers. */
    public long vaddrFor(long iova) {
        return RAM_VADDR + (iova - iovaBase());
    }

    /**
     * Does what the backend needs before MAP_DMA can succeed: nothing for type1; registers the
     * guest RAM (SPAPR v2) or enables the container (SPAPR v1).
     */
    public void prepareMapping(VfioContainer c) {
        if (backend.supports(BackendCapability.MEMORY_REGISTRATION)) {
            c.ioctl(vmm, SpaprRegisterMemory.of(RAM_VADDR, RAM_SIZE));
        }
        if (backend.supports(BackendCapability.ENABLE_DISABLE)) {
            c.ioctl(vmm, new SpaprEnable());
        }
    }

    /** MAP_DMA read-write of guest RAM at {@code iova}. */
    public void map(VfioContainer c, long iova, long size) {
        c.ioctl(vmm, MapDma.rw(vaddrFor(iova), iova, size));
    }

    /** UNMAP_DMA; returns the unmapped bytes the backend reports. */
    public long unmap(VfioContainer c, long iova, long size) {
        return c.ioctl(vmm, UnmapDma.of(iova, size)).unmappedBytes();
    }

    /**
     * A backend detail a refused request may change: the address space a container caches, which
     * SPAPR sets before its argument checks (docs/reference/spapr-tce.md §7 Q9), as the kernel
     * does.
     */
    public static final String CACHED_MM_DETAIL = "cachedMm";

    /** What a refused request must leave exactly as it was. */
    public TckTrace trace(VfioContainer c) {
        return new TckTrace(
                lockedVm(),
                host.memory().totalPins(),
                host.memory().totalPinnedFrames(),
                c.state().map(TckSystem::withoutCachedMm),
                c.groups().stream().map(VfioGroup::id).toList(),
                host.taints().size());
    }

    private static BackendState withoutCachedMm(BackendState s) {
        Map<String, Long> details = new HashMap<>(s.details());
        details.remove(CACHED_MM_DETAIL);
        return new BackendState(
                s.mappings(),
                s.mappedBytes(),
                s.dmaAvail(),
                s.pinnedPages(),
                s.pinReferences(),
                details);
    }

    @Override
    public void close() {
        vfio.close();
    }
}
