package io.vfio4j.plan;

import io.vfio4j.plan.DomainSpec.GuestArch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads a libvirt domain XML ({@code virsh dumpxml} output or a hand-written definition) into a
 * {@link DomainSpec}, applying libvirt's start-time memory rounding. Secure parsing: no DOCTYPE, no
 * external entity or DTD is fetched.
 */
public final class DomainXmlParser {
    static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

    /** QEMU device names of the vIOMMUs, as they appear in a {@code -device} argument. */
    private static final List<String> VIOMMU_DEVICES =
            List.of("intel-iommu", "amd-iommu", "virtio-iommu", "arm-smmuv3", "smmuv3");

    private DomainXmlParser() {}

    public static DomainSpec parse(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new PlanInputException(file.toString(), 0, 0, "no such file");
        } catch (IOException e) {
            throw new PlanInputException(file.toString(), 0, 0, "cannot read: " + e.getMessage());
        }
    }

    public static DomainSpec parse(InputStream in, String file) {
        XmlElement root = SecureXml.parse(in, file);
        if (!root.name().equals("domain")) {
            throw PlanInputException.at(
                    root, "the root element is <" + root.name() + ">, not <domain>");
        }
        String type =
                root.attr("type")
                        .orElseThrow(
                                () ->
                                        PlanInputException.at(
                                                root,
                                                "<domain> has no type attribute (kvm, qemu)"));
        XmlElement osType =
                root.child("os")
                        .flatMap(o -> o.child("type"))
                        .orElseThrow(
                                () -> PlanInputException.at(root, "<domain> has no <os><type>"));
        String archName = osType.attr("arch").orElse("x86_64");
        GuestArch arch = GuestArch.of(archName);
        if (arch == GuestArch.OTHER) {
            throw PlanInputException.at(
                    osType,
                    "arch '" + archName + "' is not modelled (x86_64, aarch64, ppc64, ppc64le)");
        }
        String machine =
                osType.attr("machine").orElse(defaultMachine(arch)).toLowerCase(Locale.ROOT);
        XmlElement memoryEl =
                root.child("memory")
                        .orElseThrow(() -> PlanInputException.at(root, "<domain> has no <memory>"));

        Set<String> taken = new HashSet<>();
        DeviceReader devices = new DeviceReader(arch, machine, taken);
        root.child("devices").ifPresent(ds -> ds.children().forEach(devices::read));

        long memoryKiB = Sizes.kib(memoryEl);
        long hotplugKiB = devices.memory.stream().mapToLong(DomainSpec.MemoryDevice::sizeKiB).sum();
        long initial =
                initialKiB(root, memoryEl, memoryKiB, hotplugKiB, devices.initialAlignmentKiB());

        Optional<XmlElement> backing = root.child("memoryBacking");
        long hugepage =
                backing.flatMap(b -> b.child("hugepages"))
                        .map(h -> h.child("page").map(Sizes::pageKiB).orElse(2048L))
                        .orElse(0L);
        boolean locked = backing.flatMap(b -> b.child("locked")).isPresent();
        OptionalLong hardLimit =
                root.child("memtune")
                        .flatMap(m -> m.child("hard_limit"))
                        .map(h -> OptionalLong.of(Sizes.kib(h)))
                        .orElse(OptionalLong.empty());
        OptionalLong maxMem =
                root.child("maxMemory")
                        .map(
                                m ->
                                        OptionalLong.of(
                                                Sizes.roundUp(
                                                        Sizes.kib(m),
                                                        devices.initialAlignmentKiB())))
                        .orElse(OptionalLong.empty());
        OptionalLong current =
                root.child("currentMemory")
                        .map(m -> OptionalLong.of(Sizes.kib(m)))
                        .orElse(OptionalLong.empty());
        int vcpus = root.child("vcpu").map(DomainXmlParser::vcpus).orElse(1);
        return new DomainSpec(
                file,
                root.child("name").map(n -> n.text().trim()).orElse(""),
                type,
                arch,
                machine,
                vcpus,
                initial,
                devices.memory,
                maxMem,
                current,
                hugepage,
                locked,
                hardLimit,
                devices.hostdevs,
                devices.vdpas,
                devices.nvmes,
                devices.iommus,
                commandLineIommu(root),
                devices.phbs);
    }

    /**
     * Initial memory: the NUMA cells' sum if there are cells, else {@code <memory>} minus the
     * memory devices; each cell (or the whole) rounded up as libvirt aligns it.
     */
    private static long initialKiB(
            XmlElement root, XmlElement memoryEl, long memoryKiB, long hotplugKiB, long align) {
        List<XmlElement> cells =
                root.child("cpu")
                        .flatMap(c -> c.child("numa"))
                        .map(n -> n.all("cell"))
                        .orElse(List.of());
        if (!cells.isEmpty()) {
            long sum = 0;
            for (XmlElement cell : cells) {
                String v =
                        cell.attr("memory")
                                .orElseThrow(
                                        () ->
                                                PlanInputException.at(
                                                        cell,
                                                        "NUMA <cell> has no memory attribute"));
                XmlElement asSize =
                        new XmlElement(
                                "",
                                "cell memory",
                                cell.attr("unit")
                                        .map(u -> java.util.Map.of("unit", u))
                                        .orElse(java.util.Map.of()),
                                List.of(),
                                v,
                                cell.file(),
                                cell.line(),
                                cell.column());
                sum += Sizes.roundUp(Sizes.kib(asSize), align);
            }
            return sum;
        }
        long initial = memoryKiB - hotplugKiB;
        if (initial <= 0) {
            throw PlanInputException.at(
                    memoryEl,
                    "<memory> ("
                            + memoryKiB
                            + " KiB) does not exceed the memory devices ("
                            + hotplugKiB
                            + " KiB)");
        }
        return Sizes.roundUp(initial, align);
    }

    private static int vcpus(XmlElement v) {
        try {
            return Integer.parseInt(v.text().trim());
        } catch (NumberFormatException e) {
            throw PlanInputException.at(v, "<vcpu> is not a number: '" + v.text().trim() + "'");
        }
    }

    private static String defaultMachine(GuestArch arch) {
        return switch (arch) {
            case X86_64 -> "pc";
            case AARCH64 -> "virt";
            case PPC64 -> "pseries";
            case OTHER -> "";
        };
    }

    /** A vIOMMU given to QEMU directly ({@code <qemu:commandline><qemu:arg value='...'/>}). */
    private static boolean commandLineIommu(XmlElement root) {
        for (XmlElement c : root.children()) {
            if (c.namespace().equals(QEMU_NS) && c.name().equals("commandline")) {
                for (XmlElement arg : c.all("arg")) {
                    if (namesViommu(arg.attr("value").orElse(""))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Whether a {@code -device} argument names a vIOMMU: the driver before the first comma ({@code
     * intel-iommu,intremap=on}) or, in QEMU's JSON syntax, the {@code "driver"} member.
     */
    static boolean namesViommu(String value) {
        String v = value.strip();
        String driver;
        if (v.startsWith("{")) {
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("\"driver\"\\s*:\\s*\"([^\"]*)\"").matcher(v);
            driver = m.find() ? m.group(1) : "";
        } else {
            driver = v.split(",", 2)[0];
        }
        return !driver.isEmpty() && VIOMMU_DEVICES.stream().anyMatch(driver::startsWith);
    }

    /**
     * One device to hot plug, read from its own file: a {@code <hostdev>}, an {@code <interface>}
     * (hostdev or vdpa) or a {@code <disk>} (NVMe, vhost-vdpa).
     */
    public static DomainSpec plugInto(DomainSpec domain, Path file) {
        XmlElement root;
        try (InputStream in = Files.newInputStream(file)) {
            root = SecureXml.parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new PlanInputException(file.toString(), 0, 0, "no such file");
        } catch (IOException e) {
            throw new PlanInputException(file.toString(), 0, 0, "cannot read: " + e.getMessage());
        }
        if (!List.of("hostdev", "interface", "disk").contains(root.name())) {
            throw PlanInputException.at(
                    root,
                    "a hotplug file holds one <hostdev>, <interface> or <disk>, not <"
                            + root.name()
                            + ">");
        }
        Set<String> taken = new HashSet<>();
        domain.hostdevs().forEach(h -> taken.add(h.alias()));
        domain.vdpas().forEach(v -> taken.add(v.alias()));
        domain.nvmeDisks().forEach(n -> taken.add(n.alias()));
        domain.memoryDevices().forEach(m -> taken.add(m.alias()));
        DeviceReader r = new DeviceReader(domain.arch(), domain.machine(), taken);
        // A hotplugged device without an alias gets the next free libvirt-style one.
        r.skipTo(
                (int) domain.hostdevs().stream().filter(h -> !h.fromInterface()).count(),
                (int)
                        (domain.hostdevs().stream()
                                        .filter(DomainSpec.Hostdev::fromInterface)
                                        .count()
                                + domain.vdpas().stream().filter(v -> !v.disk()).count()));
        r.read(root);
        if (r.hostdevs.isEmpty() && r.vdpas.isEmpty() && r.nvmes.isEmpty()) {
            throw PlanInputException.at(
                    root, "this <" + root.name() + "> pins no guest memory: nothing to plan");
        }
        List<DomainSpec.Hostdev> hostdevs = new java.util.ArrayList<>(domain.hostdevs());
        hostdevs.addAll(r.hostdevs);
        List<DomainSpec.Vdpa> vdpas = new java.util.ArrayList<>(domain.vdpas());
        vdpas.addAll(r.vdpas);
        List<DomainSpec.NvmeDisk> nvmes = new java.util.ArrayList<>(domain.nvmeDisks());
        nvmes.addAll(r.nvmes);
        return new DomainSpec(
                domain.file(),
                domain.name(),
                domain.domainType(),
                domain.arch(),
                domain.machine(),
                domain.vcpus(),
                domain.initialKiB(),
                domain.memoryDevices(),
                domain.maxMemoryKiB(),
                domain.currentMemoryKiB(),
                domain.hugepageKiB(),
                domain.locked(),
                domain.hardLimitKiB(),
                hostdevs,
                vdpas,
                nvmes,
                domain.iommuModels(),
                domain.commandLineIommu(),
                domain.phbControllers());
    }
}
