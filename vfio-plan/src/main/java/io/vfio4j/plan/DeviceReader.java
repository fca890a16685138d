package io.vfio4j.plan;

import io.vfio4j.plan.DomainSpec.GuestArch;
import io.vfio4j.plan.DomainSpec.Hostdev;
import io.vfio4j.plan.DomainSpec.HostdevKind;
import io.vfio4j.plan.DomainSpec.MemoryDevice;
import io.vfio4j.plan.DomainSpec.MemoryModel;
import io.vfio4j.plan.DomainSpec.NvmeDisk;
import io.vfio4j.plan.DomainSpec.Vdpa;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the devices of a domain (or one device of a hotplug file) that matter for locked memory,
 * naming each by its {@code <alias>} or by the alias libvirt would give it.
 */
final class DeviceReader {
    final List<Hostdev> hostdevs = new ArrayList<>();
    final List<Vdpa> vdpas = new ArrayList<>();
    final List<NvmeDisk> nvmes = new ArrayList<>();
    final List<MemoryDevice> memory = new ArrayList<>();
    final List<String> iommus = new ArrayList<>();
    int phbs;
    private int hostdevIndex;
    private int netIndex;
    private int diskIndex;
    private int memIndex;
    private final Set<String> aliases = new HashSet<>();
    private final GuestArch arch;
    private final String machine;

    DeviceReader(GuestArch arch, String machine, Set<String> taken) {
        this.arch = arch;
        this.machine = machine;
        this.aliases.addAll(taken);
    }

    /** Continues libvirt's alias numbering after the devices a domain already has. */
    void skipTo(int hostdevs, int nets) {
        hostdevIndex = hostdevs;
        netIndex = nets;
    }

    void read(XmlElement d) {
        switch (d.name()) {
            case "hostdev" -> hostdev(d);
            case "interface" -> iface(d);
            case "disk" -> disk(d);
            case "iommu" -> iommus.add(d.attr("model").orElse("intel"));
            case "controller" -> controller(d);
            case "memory" -> memory.add(memoryDevice(d));
            default -> {
                // Other devices pin nothing.
            }
        }
    }

    private void hostdev(XmlElement d) {
        String type = d.attr("type").orElse("");
        String fallback = "hostdev" + hostdevIndex++;
        String alias = alias(d, fallback);
        switch (type) {
            case "pci" ->
                    hostdevs.add(
                            new Hostdev(
                                    alias,
                                    HostdevKind.PCI,
                                    pciSource(d),
                                    false,
                                    d.line(),
                                    iommufd(d)));
            case "mdev" -> {
                String uuid =
                        d.child("source")
                                .flatMap(s -> s.child("address"))
                                .flatMap(a -> a.attr("uuid"))
                                .orElseThrow(
                                        () ->
                                                PlanInputException.at(
                                                        d,
                                                        "an mdev <hostdev> needs <source><address"
                                                                + " uuid='...'/></source>"));
                hostdevs.add(new Hostdev(alias, HostdevKind.MDEV, uuid, false, d.line(), false));
            }
            case "" -> throw PlanInputException.at(d, "<hostdev> has no type attribute");
            default ->
                    hostdevs.add(
                            new Hostdev(alias, HostdevKind.OTHER, type, false, d.line(), false));
        }
    }

    /**
     * {@code <driver iommufd='yes'/>} of a PCI hostdev (libvirt 12.x,
     * virHostdevIsPCIDeviceWithIOMMUFD); any other value, or none, is the legacy VFIO container.
     */
    private static boolean iommufd(XmlElement d) {
        return d.child("driver").flatMap(x -> x.attr("iommufd")).map("yes"::equals).orElse(false);
    }

    private void iface(XmlElement d) {
        String type = d.attr("type").orElse("");
        String alias = alias(d, "net" + netIndex++);
        if (type.equals("hostdev")) {
            hostdevs.add(new Hostdev(alias, HostdevKind.PCI, pciSource(d), true, d.line(), false));
        } else if (type.equals("vdpa")) {
            String dev = d.child("source").flatMap(s -> s.attr("dev")).orElse("");
            vdpas.add(new Vdpa(alias, dev, false));
        }
    }

    private void disk(XmlElement d) {
        String alias =
                alias(d, d.child("target").flatMap(t -> t.attr("dev")).orElse("disk" + diskIndex));
        diskIndex++;
        boolean nvme = false;
        int vdpaInChain = 0;
        String nvmeAddress = "";
        // The disk itself, then its backing chain: libvirt counts NVMe once per disk and each
        // vhost-vdpa element of the chain.
        for (XmlElement e = d; e != null; e = e.child("backingStore").orElse(null)) {
            String type = e.attr("type").orElse("");
            if (type.equals("nvme") && !nvme) {
                nvme = true;
                nvmeAddress = pciSource(e);
            } else if (type.equals("vhostvdpa")) {
                String dev = e.child("source").flatMap(s -> s.attr("dev")).orElse("");
                vdpas.add(
                        new Vdpa(vdpaInChain == 0 ? alias : alias + "#" + vdpaInChain, dev, true));
                vdpaInChain++;
            }
        }
        if (nvme) {
            nvmes.add(new NvmeDisk(alias, nvmeAddress));
        }
    }

    private void controller(XmlElement d) {
        boolean spaprModel =
                d.child("model")
                        .flatMap(m -> m.attr("name"))
                        .filter("spapr-pci-host-bridge"::equals)
                        .isPresent();
        boolean pseriesRoot =
                arch == GuestArch.PPC64
                        && d.attr("type").filter("pci"::equals).isPresent()
                        && d.attr("model").filter("pci-root"::equals).isPresent();
        if (spaprModel || pseriesRoot) {
            phbs++;
        }
    }

    private MemoryDevice memoryDevice(XmlElement d) {
        String model = d.attr("model").orElse("");
        MemoryModel m =
                switch (model) {
                    case "dimm" -> MemoryModel.DIMM;
                    case "nvdimm" -> MemoryModel.NVDIMM;
                    case "virtio-mem" -> MemoryModel.VIRTIO_MEM;
                    case "virtio-pmem" -> MemoryModel.VIRTIO_PMEM;
                    default ->
                            throw PlanInputException.at(
                                    d,
                                    "memory device model '"
                                            + model
                                            + "' is not one the planner knows"
                                            + " (dimm, nvdimm, virtio-mem, virtio-pmem)");
                };
        String alias = alias(d, memoryAlias(m) + memIndex++);
        XmlElement target =
                d.child("target")
                        .orElseThrow(
                                () -> PlanInputException.at(d, "<memory> device without <target>"));
        XmlElement sizeEl =
                target.child("size")
                        .orElseThrow(
                                () -> PlanInputException.at(target, "<target> without <size>"));
        long align = moduleAlignmentKiB();
        if (m == MemoryModel.VIRTIO_MEM) {
            long block = target.child("block").map(Sizes::kib).orElse(2048L);
            if (block == 0) {
                throw PlanInputException.at(target, "virtio-mem <block> of 0");
            }
            long size = Sizes.roundUp(Sizes.kib(sizeEl), block);
            long requested =
                    target.child("requested")
                            .map(r -> Sizes.roundUp(Sizes.kib(r), block))
                            .orElse(0L);
            if (requested > size) {
                throw PlanInputException.at(target, "virtio-mem <requested> is above <size>");
            }
            return new MemoryDevice(alias, m, size, requested);
        }
        long size = Sizes.roundUp(Sizes.kib(sizeEl), align);
        return new MemoryDevice(alias, m, size, size);
    }

    private static String memoryAlias(MemoryModel m) {
        return switch (m) {
            case DIMM -> "dimm";
            case NVDIMM -> "nvdimm";
            case VIRTIO_MEM -> "virtiomem";
            case VIRTIO_PMEM -> "virtiopmem";
        };
    }

    /** libvirt aligns memory modules: 256 MiB on pseries, else 2 MiB. */
    long moduleAlignmentKiB() {
        return pseries() ? 256 * 1024 : 2048;
    }

    /** libvirt aligns initial memory: 256 MiB on pseries, else 1 MiB. */
    long initialAlignmentKiB() {
        return pseries() ? 256 * 1024 : 1024;
    }

    private boolean pseries() {
        return arch == GuestArch.PPC64 && (machine.isEmpty() || machine.startsWith("pseries"));
    }

    private String alias(XmlElement d, String fallback) {
        Optional<String> given = d.child("alias").flatMap(a -> a.attr("name"));
        String alias = given.orElse(fallback);
        if (!aliases.add(alias)) {
            throw PlanInputException.at(d, "alias '" + alias + "' is used twice");
        }
        return alias;
    }

    /** The host PCI address of a hostdev, interface or NVMe source, as dddd:bb:ss.f. */
    static String pciSource(XmlElement d) {
        Optional<XmlElement> a = d.child("source").flatMap(s -> s.child("address"));
        if (a.isEmpty()) {
            throw PlanInputException.at(
                    d, "<" + d.name() + "> needs <source><address .../></source>");
        }
        XmlElement addr = a.get();
        return String.format(
                "%04x:%02x:%02x.%x",
                hex(addr, "domain", 0),
                hex(addr, "bus", -1),
                hex(addr, "slot", -1),
                hex(addr, "function", 0));
    }

    private static int hex(XmlElement addr, String key, int dflt) {
        Optional<String> v = addr.attr(key);
        if (v.isEmpty()) {
            if (dflt < 0) {
                throw PlanInputException.at(addr, "<address> has no " + key);
            }
            return dflt;
        }
        String s = v.get().trim();
        try {
            return s.startsWith("0x") || s.startsWith("0X")
                    ? Integer.parseInt(s.substring(2), 16)
                    : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw PlanInputException.at(addr, "<address> " + key + "='" + s + "' is not a number");
        }
    }
}
