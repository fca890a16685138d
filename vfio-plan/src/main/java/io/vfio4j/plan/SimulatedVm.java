package io.vfio4j.plan;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.plan.DomainSpec.Hostdev;
import io.vfio4j.plan.DomainSpec.HostdevKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The QEMU process of a domain on the simulated host, driven through the public runtime as QEMU
 * drives the kernel: containers, groups, MAP_DMA of every RAM block, SPAPR preregistration and DMA
 * windows, mdev pins through a scripted vendor driver, vhost-vdpa pins into {@code pinned_vm}. The
 * first refused call is kept as the {@link Failure}; nothing runs after it.
 */
final class SimulatedVm implements AutoCloseable {
    private final Topology topology;
    private final SimHost host;
    private final SimProcess qemu;
    private final SimAddressSpace mm;
    private final Vfio vfio;
    private final long workingSetBytes;
    private final List<RamRegion> ram = new ArrayList<>();
    private final Map<String, Box> boxes = new LinkedHashMap<>();
    private final Map<String, Long> vdpaPages = new LinkedHashMap<>();
    private final Map<String, Box> boxOfAlias = new LinkedHashMap<>();
    private MdevBus bus;
    private MdevParent mdevParent;
    private int containerCount;
    private int nextGroupId = 1;
    private int mdevCount;
    private Failure failure;
    private long peakLocked;
    private long peakPinned;

    /** One container and what it holds. */
    private static final class Box {
        final String key;
        final String name;
        final String kind;
        final VfioContainer container;
        final List<String> devices = new ArrayList<>();
        final Map<String, VfioGroup> groups = new LinkedHashMap<>();
        final Map<String, MdevDevice> mdevs = new LinkedHashMap<>();
        long chargedPages;
        boolean mapped;

        Box(String key, String name, String kind, VfioContainer container) {
            this.key = key;
            this.name = name;
            this.kind = kind;
            this.container = container;
        }
    }

    /** libvirt hands QEMU an opened /dev/iommu: iommufd's native context, per-user accounting. */
    private static final VfioConfiguration RUNTIME =
            VfioConfiguration.of(java.util.Map.of("vfio4j.backend.iommufd.accounting", "user"));

    SimulatedVm(Topology topology, long limitBytes, long workingSetBytes) {
        this.topology = topology;
        this.workingSetBytes = workingSetBytes;
        this.host = SimHost.builder().platform(topology.platform()).build();
        this.qemu =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu-kvm")
                                .memlockLimitBytes(limitBytes)
                                .build());
        this.mm = qemu.simAddressSpace().orElseThrow();
        this.vfio = Vfio.builder().host(host).configuration(RUNTIME).build();
    }

    long pageSize() {
        return host.pageSize();
    }

    /** Raises or lowers RLIMIT_MEMLOCK, as libvirt's prlimit does. */
    void setLimit(long bytes) {
        qemu.setMemlockLimitBytes(bytes);
    }

    Optional<Failure> failure() {
        return Optional.ofNullable(failure);
    }

    long lockedBytes() {
        return mm.lockedVm() * host.pageSize();
    }

    long pinnedBytes() {
        return mm.pinnedVm() * host.pageSize();
    }

    /** Starts a new step: its peaks begin at what is charged now. */
    void resetPeaks() {
        peakLocked = mm.lockedVm();
        peakPinned = mm.pinnedVm();
    }

    long peakLockedBytes() {
        return peakLocked * host.pageSize();
    }

    long peakPinnedBytes() {
        return peakPinned * host.pageSize();
    }

    /** QEMU's start: RAM, then NVMe drivers, hostdevs and mdevs, then vhost-vdpa. */
    void start(DomainSpec d) {
        for (RamRegion r : RamRegion.layout(d)) {
            addRam(r, false);
        }
        d.nvmeDisks().forEach(n -> plugNvme(n.alias(), n.pciAddress()));
        d.hostdevs().forEach(this::plugHostdev);
        d.vdpas().forEach(v -> plugVdpa(v.alias()));
    }

    void plugHostdev(Hostdev h) {
        if (h.kind() == HostdevKind.OTHER) {
            return;
        }
        if (h.kind() == HostdevKind.MDEV) {
            plugMdev(h);
            return;
        }
        Box box = box(topology.containerKey(h));
        act(
                box,
                h.alias(),
                "VFIO_GROUP_SET_CONTAINER of " + h.source(),
                () -> {
                    VfioGroup g = vfio.group(addGroup(h.source()).id());
                    box.groups.put(h.alias(), g);
                    joinContainer(box, h.alias(), g);
                });
        mapAll(box, h.alias());
    }

    void plugNvme(String alias, String pci) {
        Box box = box("nvme:" + alias);
        act(
                box,
                alias,
                "VFIO_GROUP_SET_CONTAINER of the NVMe controller " + pci,
                () -> {
                    VfioGroup g = vfio.group(addGroup(pci).id());
                    box.groups.put(alias, g);
                    joinContainer(box, alias, g);
                });
        mapAll(box, alias);
    }

    private void plugMdev(Hostdev h) {
        Box box = box(topology.containerKey(h.alias()));
        act(
                box,
                h.alias(),
                "VFIO_GROUP_SET_CONTAINER of the mdev " + h.source(),
                () -> {
                    MdevDevice created =
                            bus().create(
                                            mdevParent.requireType("vfio4j-vgpu"),
                                            UUID.fromString(h.source()));
                    box.mdevs.put(h.alias(), created);
                    joinContainer(box, h.alias(), created.group());
                });
        mapAll(box, h.alias());
        act(
                box,
                h.alias(),
                "VFIO_GROUP_GET_DEVICE_FD of the mdev",
                () -> {
                    MdevDevice m = box.mdevs.get(h.alias());
                    m.group().openDevice(m.name());
                });
        MdevDevice mdev = box.mdevs.get(h.alias());
        if (mdev == null || failure != null) {
            return;
        }
        // Each vGPU pins its own working set, low in guest RAM, one vfio_pin_pages call at a time.
        long pages = workingSetBytes / host.pageSize();
        long first = (long) mdevCount++ * pages;
        ScriptedDevice dev = ScriptedVendor.of(mdev);
        int batch = (int) mdev.vfioDevice().maxPinPages();
        for (long done = 0; done < pages && failure == null; ) {
            int n = (int) Math.min(batch, pages - done);
            long iova = (first + done) * host.pageSize();
            act(
                    box,
                    h.alias(),
                    "vfio_pin_pages of the working set at 0x" + Long.toHexString(iova),
                    () -> dev.pin(iova, n, DmaProt.RW));
            done += n;
        }
    }

    void plugVdpa(String alias) {
        vdpaPages.put(alias, 0L);
        for (RamRegion r : ram) {
            pinVdpa(alias, r);
        }
    }

    private void pinVdpa(String alias, RamRegion r) {
        long pages = r.bytes() / host.pageSize();
        act(
                null,
                alias,
                "VHOST_IOTLB_UPDATE " + r.name() + " (" + Sizes.human(r.bytes()) + ")",
                () -> {
                    mm.chargePinned(pages, qemu.memlockLimitPages(host.pageSize()));
                    vdpaPages.merge(alias, pages, Long::sum);
                });
    }

    /** A new RAM block: mapped into every container, preregistered, pinned by each vhost-vdpa. */
    void addRam(RamRegion r, boolean plugged) {
        qemu.mmap(RegionSpec.anonymous(r.vaddr(), r.bytes()));
        ram.add(r);
        if (!plugged) {
            return;
        }
        for (Box box : boxes.values()) {
            mapInto(box, r);
        }
        for (String alias : List.copyOf(vdpaPages.keySet())) {
            pinVdpa(alias, r);
        }
    }

    /** A memory device leaves: unmapped (or unregistered) everywhere, unpinned by vhost-vdpa. */
    void removeRam(String owner) {
        for (RamRegion r : List.copyOf(ram)) {
            if (!r.owner().equals(owner)) {
                continue;
            }
            for (Box box : boxes.values()) {
                act(
                        box,
                        owner,
                        "VFIO_IOMMU_UNMAP_DMA of " + r.name(),
                        () -> {
                            if (topology.spapr()) {
                                box.container.ioctl(
                                        qemu, SpaprUnregisterMemory.of(r.vaddr(), r.bytes()));
                            } else {
                                box.container.ioctl(qemu, UnmapDma.of(r.iova(), r.bytes()));
                            }
                        });
            }
            long pages = r.bytes() / host.pageSize();
            for (String alias : List.copyOf(vdpaPages.keySet())) {
                mm.unchargePinned(pages);
                vdpaPages.merge(alias, -pages, Long::sum);
            }
            qemu.munmap(r.vaddr(), r.bytes());
            ram.remove(r);
        }
    }

    List<RamRegion> ram() {
        return List.copyOf(ram);
    }

    /** Hot unplug of a device by alias: its group leaves its container (released if last). */
    void unplug(String alias) {
        Long pages = vdpaPages.remove(alias);
        if (pages != null) {
            mm.unchargePinned(pages);
            return;
        }
        Box box = boxOfAlias.remove(alias);
        if (box == null) {
            return;
        }
        act(
                box,
                alias,
                "VFIO_GROUP_UNSET_CONTAINER",
                () -> {
                    MdevDevice mdev = box.mdevs.remove(alias);
                    if (mdev != null) {
                        mdev.vfioDevice().close();
                        mdev.group().unsetContainer();
                        bus().remove(mdev.uuid());
                    } else {
                        box.groups.remove(alias).unsetContainer();
                    }
                    box.devices.remove(alias);
                });
        if (box.devices.isEmpty()) {
            boxes.values().remove(box);
        }
    }

    /** The group joins; the first one also sets the IOMMU type. */
    private void joinContainer(Box box, String alias, VfioGroup group) {
        group.setContainer(qemu, box.container);
        box.devices.add(alias);
        boxOfAlias.put(alias, box);
        if (box.devices.size() == 1) {
            topology.setIommu(box.key, box.container);
        }
    }

    /**
     * What QEMU does once a container is new: every RAM block mapped (type1) or preregistered and
     * the PHB's windows created (SPAPR), one call at a time so a refusal names its call.
     */
    private void mapAll(Box box, String alias) {
        if (failure != null || box.devices.size() != 1 || box.mapped) {
            return;
        }
        box.mapped = true;
        if (topology.spapr()) {
            SpaprWindows.setUp(
                    box.container,
                    qemu,
                    ram,
                    topology,
                    (what, call) -> act(box, alias, what, call));
            return;
        }
        for (RamRegion r : ram) {
            act(
                    box,
                    alias,
                    "VFIO_IOMMU_MAP_DMA of " + r.name() + " (" + Sizes.human(r.bytes()) + ")",
                    () -> box.container.ioctl(qemu, MapDma.rw(r.vaddr(), r.iova(), r.bytes())));
        }
    }

    private void mapInto(Box box, RamRegion r) {
        act(
                box,
                String.join(",", box.devices),
                (topology.spapr() ? "VFIO_IOMMU_SPAPR_REGISTER_MEMORY" : "VFIO_IOMMU_MAP_DMA")
                        + " of "
                        + r.name()
                        + " ("
                        + Sizes.human(r.bytes())
                        + ")",
                () -> {
                    if (topology.spapr()) {
                        box.container.ioctl(qemu, SpaprRegisterMemory.of(r.vaddr(), r.bytes()));
                    } else {
                        box.container.ioctl(qemu, MapDma.rw(r.vaddr(), r.iova(), r.bytes()));
                    }
                });
    }

    /** The container of this key, opened on first use (opening charges nothing). */
    private Box box(String key) {
        Box b = boxes.get(key);
        if (b == null) {
            b =
                    new Box(
                            key,
                            "container " + ++containerCount,
                            topology.containerKind(key),
                            vfio.openContainer());
            boxes.put(key, b);
        }
        return b;
    }

    private io.vfio4j.host.SimIommuGroup addGroup(String device) {
        return host.addIommuGroup(topology.groupSpec(nextGroupId++, device));
    }

    private MdevBus bus() {
        if (bus == null) {
            bus = new MdevBus(vfio);
            mdevParent =
                    bus.registerParent(
                            "0000:65:00.0",
                            new ScriptedVendor("vfio4j", host.pageSize()),
                            List.of(new MdevTypeSpec("vgpu", "a vGPU of the planned domain", 64)));
        }
        return bus;
    }

    /** Runs one kernel-facing action; the first refusal is kept and everything after is skipped. */
    private void act(Box box, String device, String action, Runnable r) {
        if (failure != null) {
            return;
        }
        long before = charged(box);
        try {
            r.run();
        } catch (VfioException e) {
            failure = new Failure(device, action, e.errno().name(), e.getMessage());
        } finally {
            if (box != null) {
                box.chargedPages += charged(box) - before;
            }
            peakLocked = Math.max(peakLocked, mm.lockedVm());
            peakPinned = Math.max(peakPinned, mm.pinnedVm());
        }
    }

    /** The counter a container's charges land in: the user's locked_vm for iommufd. */
    private long charged(Box box) {
        return box != null && Topology.iommufd(box.key) ? qemu.user().lockedVm() : mm.lockedVm();
    }

    /** What each container and each vhost-vdpa device holds now. */
    List<ContainerCharge> charges() {
        List<ContainerCharge> out = new ArrayList<>();
        long p = host.pageSize();
        for (Box b : boxes.values()) {
            out.add(
                    new ContainerCharge(
                            b.name,
                            b.kind,
                            Topology.iommufd(b.key) ? "user locked_vm" : "locked_vm",
                            b.devices,
                            b.chargedPages * p));
        }
        vdpaPages.forEach(
                (alias, pages) ->
                        out.add(
                                new ContainerCharge(
                                        "vhost-vdpa " + alias,
                                        "vhost-vdpa device: its own IOTLB, every RAM block pinned",
                                        "pinned_vm",
                                        List.of(alias),
                                        pages * p)));
        return out;
    }

    @Override
    public void close() {
        vfio.close();
    }
}
