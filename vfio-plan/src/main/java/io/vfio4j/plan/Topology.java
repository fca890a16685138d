package io.vfio4j.plan;

import io.vfio4j.api.IommuType;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.power.PowerNvTableGroup;
import io.vfio4j.plan.DomainSpec.GuestArch;
import java.util.List;

/**
 * The containers QEMU builds for a domain, as a rule from device alias to container key:
 *
 * <ul>
 *   <li>x86 and aarch64 without a vIOMMU: one address space, so one type1 container shared by every
 *       hostdev and mdev (key {@code shared});
 *   <li>with a vIOMMU (in the XML or on QEMU's command line): each device in its own address space,
 *       so its own container ({@code dev:ALIAS});
 *   <li>an NVMe disk: QEMU's userspace driver opens its own type1 (v1) container ({@code
 *       nvme:ALIAS});
 *   <li>pseries: each hostdev on its own PHB (libvirt's isolation groups), a SPAPR TCE v2 container
 *       per PHB ({@code phb:ALIAS}).
 * </ul>
 *
 * @param ddwPageShift the IOMMU page shift of the guest's 64-bit DMA window (pseries)
 * @param ddwBytes the 64-bit window's size: guest maximum memory rounded up to a power of two
 */
record Topology(Platform platform, boolean viommu, int ddwPageShift, long ddwBytes) {
    /** QEMU's default 32-bit DMA window of a pseries PHB: 1 GiB at 0, 4 KiB pages. */
    static final long DMA32_BYTES = 1L << 30;

    static final int DMA32_PAGE_SHIFT = 12;

    static Topology of(DomainSpec d) {
        Platform p =
                switch (d.arch()) {
                    case PPC64 -> Platform.POWER;
                    case AARCH64 -> Platform.AARCH64;
                    default -> Platform.X86;
                };
        // A guest backed by 16 MiB huge pages can use 16 MiB IOMMU pages; else the host's 64 KiB.
        int shift = d.hugepageKiB() >= 16 * 1024 ? 24 : 16;
        long ddw = Long.highestOneBit(Math.max(1, d.maxKiB() * 1024 - 1)) << 1;
        return new Topology(p, d.qemuHasViommu(), shift, Math.max(ddw, 1L << shift));
    }

    boolean spapr() {
        return platform == Platform.POWER;
    }

    static boolean isPseries(DomainSpec d) {
        return d.arch() == GuestArch.PPC64;
    }

    /** The container of a hostdev: an iommufd one shares libvirt's /dev/iommu context. */
    String containerKey(DomainSpec.Hostdev h) {
        if (h.iommufd() && !spapr()) {
            return viommu ? "iommufd:" + h.alias() : "iommufd";
        }
        return containerKey(h.alias());
    }

    /** Whether the container of {@code key} is served by iommufd. */
    static boolean iommufd(String key) {
        return key.equals("iommufd") || key.startsWith("iommufd:");
    }

    String containerKey(String alias) {
        if (spapr()) {
            return "phb:" + alias;
        }
        return viommu ? "dev:" + alias : "shared";
    }

    String containerKind(String key) {
        if (iommufd(key)) {
            return "iommufd (/dev/iommu opened by libvirt, <driver iommufd='yes'/>): "
                    + (key.equals("iommufd")
                            ? "one IOAS shared by its devices"
                            : "the device's own IOAS behind the vIOMMU")
                    + "; charged per user (the user's locked_vm, the process's pinned_vm)";
        }
        if (key.startsWith("nvme:")) {
            return "type1 (v1): QEMU's userspace NVMe driver maps all guest RAM";
        }
        if (key.startsWith("phb:")) {
            return "spapr-tce v2: the device's PHB, preregistered RAM shared by the process";
        }
        if (key.startsWith("dev:")) {
            return "type1v2: the device's own address space behind the vIOMMU";
        }
        return "type1v2: one address space shared by every device (no vIOMMU)";
    }

    /** SET_IOMMU for the container of {@code key}: iommufd's by name, else the type's backend. */
    void setIommu(String key, io.vfio4j.core.VfioContainer c) {
        if (iommufd(key)) {
            c.setIommu("iommufd", iommuType(key));
        } else {
            c.setIommu(iommuType(key));
        }
    }

    IommuType iommuType(String key) {
        if (key.startsWith("nvme:")) {
            return IommuType.TYPE1;
        }
        return spapr() ? IommuType.SPAPR_TCE_v2 : IommuType.TYPE1v2;
    }

    /** The host IOMMU group of one passthrough device. */
    IommuGroupSpec groupSpec(int id, String device) {
        IommuGroupSpec.Builder b = IommuGroupSpec.builder().id(id).devices(device);
        switch (platform) {
            case POWER ->
                    b.driver("powernv")
                            .reservedRegions(List.of())
                            .tceTableGroup(PowerNvTableGroup.builder().build());
            // An SMMU's software MSI window lies outside the RAM layout used here.
            case AARCH64 -> b.driver("arm-smmu-v3").reservedRegions(List.of());
            default -> {
                // x86: the builder's defaults (intel-iommu, the MSI window reserved).
            }
        }
        return b.build();
    }
}
