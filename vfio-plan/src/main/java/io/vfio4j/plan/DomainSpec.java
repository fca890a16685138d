package io.vfio4j.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the planner reads from a libvirt domain XML: memory (KiB, as libvirt keeps it), memory
 * backing and limits, the guest platform and every device that can pin guest memory.
 *
 * @param file the file it came from, for messages
 * @param domainType {@code kvm}, {@code qemu} (TCG), ...
 * @param initialKiB memory outside memory devices, after libvirt's rounding (sum of the NUMA cells
 *     when there are cells)
 * @param maxMemoryKiB {@code <maxMemory>}, if set
 * @param currentMemoryKiB {@code <currentMemory>} (the balloon target), if set
 * @param hugepageKiB the {@code <hugepages>} page size, 0 without hugepages
 * @param locked {@code <memoryBacking><locked/>}
 * @param hardLimitKiB {@code <memtune><hard_limit>}, if set
 * @param iommuModels the {@code <iommu model=...>} devices
 * @param commandLineIommu a vIOMMU passed behind libvirt's back in {@code qemu:commandline}
 * @param phbControllers the {@code spapr-pci-host-bridge} controllers listed (0 when none is)
 */
public record DomainSpec(
        String file,
        String name,
        String domainType,
        GuestArch arch,
        String machine,
        int vcpus,
        long initialKiB,
        List<MemoryDevice> memoryDevices,
        OptionalLong maxMemoryKiB,
        OptionalLong currentMemoryKiB,
        long hugepageKiB,
        boolean locked,
        OptionalLong hardLimitKiB,
        List<Hostdev> hostdevs,
        List<Vdpa> vdpas,
        List<NvmeDisk> nvmeDisks,
        List<String> iommuModels,
        boolean commandLineIommu,
        int phbControllers) {
    public DomainSpec {
        Objects.requireNonNull(file, "file");
        memoryDevices = List.copyOf(memoryDevices);
        hostdevs = List.copyOf(hostdevs);
        vdpas = List.copyOf(vdpas);
        nvmeDisks = List.copyOf(nvmeDisks);
        iommuModels = List.copyOf(iommuModels);
    }

    /** The guest architectures the planner knows. */
    public enum GuestArch {
        X86_64,
        AARCH64,
        PPC64,
        OTHER;

        static GuestArch of(String arch) {
            return switch (arch) {
                case "x86_64" -> X86_64;
                case "aarch64" -> AARCH64;
                case "ppc64", "ppc64le" -> PPC64;
                default -> OTHER;
            };
        }
    }

    /** What kind of memory device. */
    public enum MemoryModel {
        DIMM,
        NVDIMM,
        VIRTIO_MEM,
        VIRTIO_PMEM
    }

    /**
     * A {@code <memory>} device.
     *
     * @param sizeKiB its size after libvirt's rounding (virtio-mem: the whole hotpluggable size)
     * @param mappedKiB what QEMU maps of it: the requested size for virtio-mem (only plugged blocks
     *     are mapped for VFIO), else the size
     */
    public record MemoryDevice(String alias, MemoryModel model, long sizeKiB, long mappedKiB) {}

    /** What a hostdev is. */
    public enum HostdevKind {
        /** A PCI device with VFIO (also an {@code <interface type='hostdev'>} VF). */
        PCI,
        /** A mediated device (vGPU, ...). */
        MDEV,
        /** USB, SCSI, ...: no VFIO container. */
        OTHER
    }

    /**
     * A {@code <hostdev>} or an {@code <interface type='hostdev'>}.
     *
     * @param source the host PCI address or the mdev UUID
     * @param iommufd libvirt attaches it through iommufd ({@code <driver iommufd='yes'/>}, libvirt
     *     12.x): QEMU binds it to the /dev/iommu context libvirt opened, not a type1 container
     */
    public record Hostdev(
            String alias,
            HostdevKind kind,
            String source,
            boolean fromInterface,
            int line,
            boolean iommufd) {}

    /**
     * A vhost-vdpa device: an {@code <interface type='vdpa'>}, or a vhost-vdpa disk (one per
     * element of the disk's backing chain).
     */
    public record Vdpa(String alias, String device, boolean disk) {}

    /** A disk of QEMU's userspace NVMe driver, with its own VFIO container. */
    public record NvmeDisk(String alias, String pciAddress) {}

    /** Initial memory plus every memory device at its full size, as libvirt totals it. */
    public long totalKiB() {
        return initialKiB + memoryDevices.stream().mapToLong(MemoryDevice::sizeKiB).sum();
    }

    /** {@code <maxMemory>} if set, else the total (libvirt's ppc64 formula). */
    public long maxKiB() {
        return maxMemoryKiB.orElse(totalKiB());
    }

    public boolean kvm() {
        return "kvm".equals(domainType);
    }

    /** A vIOMMU in the XML (what libvirt sees) or behind its back (what QEMU builds). */
    public boolean qemuHasViommu() {
        return !iommuModels.isEmpty() || commandLineIommu;
    }

    public Optional<Hostdev> hostdev(String alias) {
        return hostdevs.stream().filter(h -> h.alias().equals(alias)).findFirst();
    }

    /** A copy with one more memory device (memory hotplug). */
    public DomainSpec withMemoryDevice(MemoryDevice m) {
        List<MemoryDevice> more = new java.util.ArrayList<>(memoryDevices);
        more.add(m);
        return new DomainSpec(
                file,
                name,
                domainType,
                arch,
                machine,
                vcpus,
                initialKiB,
                more,
                maxMemoryKiB,
                currentMemoryKiB,
                hugepageKiB,
                locked,
                hardLimitKiB,
                hostdevs,
                vdpas,
                nvmeDisks,
                iommuModels,
                commandLineIommu,
                phbControllers);
    }

    /** A copy without the device of this alias (unplug); the same spec if none has it. */
    public DomainSpec without(String alias) {
        return new DomainSpec(
                file,
                name,
                domainType,
                arch,
                machine,
                vcpus,
                initialKiB,
                memoryDevices.stream().filter(m -> !m.alias().equals(alias)).toList(),
                maxMemoryKiB,
                currentMemoryKiB,
                hugepageKiB,
                locked,
                hardLimitKiB,
                hostdevs.stream().filter(h -> !h.alias().equals(alias)).toList(),
                vdpas.stream().filter(v -> !v.alias().equals(alias)).toList(),
                nvmeDisks.stream().filter(n -> !n.alias().equals(alias)).toList(),
                iommuModels,
                commandLineIommu,
                phbControllers);
    }

    /** Whether any device has this alias. */
    public boolean hasAlias(String alias) {
        return memoryDevices.stream().anyMatch(m -> m.alias().equals(alias))
                || hostdevs.stream().anyMatch(h -> h.alias().equals(alias))
                || vdpas.stream().anyMatch(v -> v.alias().equals(alias))
                || nvmeDisks.stream().anyMatch(n -> n.alias().equals(alias));
    }
}
