package io.vfio4j.plan;

import io.vfio4j.plan.DomainSpec.HostdevKind;

/**
 * libvirt's locked-memory limit for a domain, restated from {@code qemuDomainGetMemLockLimitBytes}
 * and {@code getPPC64MemLockLimitBytes} in src/qemu/qemu_domain.c (the current rules as in libvirt
 * 9.x-12.x; the older ones per {@link LibvirtEra}). Everything is in KiB until the final shift, as
 * libvirt computes it.
 */
public final class LibvirtFormula {
    private static final long GIB_KIB = 1024 * 1024;

    private LibvirtFormula() {}

    public static LibvirtLimit limit(DomainSpec d, LibvirtEra era) {
        if (d.hardLimitKiB().isPresent() && era.atLeast(LibvirtEra.V2015)) {
            long kib = d.hardLimitKiB().getAsLong();
            return new LibvirtLimit(
                    kib << 10,
                    "<hard_limit> " + Sizes.human(kib << 10) + " wins over every other rule");
        }
        if (d.locked() && era.atLeast(LibvirtEra.V2017)) {
            return new LibvirtLimit(LibvirtLimit.UNLIMITED, "<locked/>: unlimited (2^53 - 1)");
        }
        boolean ppc = d.arch() == DomainSpec.GuestArch.PPC64;
        if (ppc && era == LibvirtEra.V2015) {
            return ppc64(d, era, 1);
        }
        if (ppc && d.kvm() && era.atLeast(LibvirtEra.V2017)) {
            return ppc64(d, era, phbs(d));
        }
        return generic(d, era);
    }

    /** nPHB: the PHBs listed, else the default one plus one per hostdev isolation group. */
    static int phbs(DomainSpec d) {
        if (d.phbControllers() > 0) {
            return d.phbControllers();
        }
        return 1 + (int) d.hostdevs().stream().filter(h -> h.kind() == HostdevKind.PCI).count();
    }

    private static LibvirtLimit generic(DomainSpec d, LibvirtEra era) {
        long mem = d.totalKiB();
        long nvfio = countVfio(d, era);
        long nnvme = era.atLeast(LibvirtEra.V6_0) ? d.nvmeDisks().size() : 0;
        long nvdpa = vdpaCount(d, era);
        boolean lockedOld = d.locked() && era == LibvirtEra.V2015;
        if (nvfio + nnvme + nvdpa == 0 && !lockedOld) {
            return new LibvirtLimit(
                    0, "no VFIO, NVMe or vDPA device: libvirt leaves the limit alone");
        }
        if (era != LibvirtEra.CURRENT) {
            // Every older era: one memory + 1 GiB, however many devices.
            long kib = mem + GIB_KIB;
            return new LibvirtLimit(
                    kib << 10,
                    "memory "
                            + Sizes.human(mem << 10)
                            + " + 1 GiB ("
                            + era.label()
                            + " rule: once, whatever the devices)");
        }
        long factor = nvdpa + nnvme;
        String vfioPart = "";
        if (nvfio > 0) {
            long f = d.iommuModels().isEmpty() ? 1 : nvfio;
            factor += f;
            vfioPart =
                    d.iommuModels().isEmpty()
                            ? " + 1 (VFIO, no vIOMMU)"
                            : " + " + nvfio + " (VFIO behind a vIOMMU)";
        }
        long kib = factor * mem + GIB_KIB;
        String rule =
                "factor "
                        + factor
                        + " ["
                        + nvdpa
                        + " vDPA + "
                        + nnvme
                        + " NVMe"
                        + vfioPart
                        + "] x "
                        + Sizes.human(mem << 10)
                        + " + 1 GiB";
        return new LibvirtLimit(kib << 10, rule);
    }

    private static long countVfio(DomainSpec d, LibvirtEra era) {
        return d.hostdevs().stream()
                .filter(
                        h ->
                                h.kind() == HostdevKind.PCI
                                        || (h.kind() == HostdevKind.MDEV
                                                && era.atLeast(LibvirtEra.V2017)))
                .count();
    }

    private static long vdpaCount(DomainSpec d, LibvirtEra era) {
        if (era == LibvirtEra.CURRENT) {
            return d.vdpas().size();
        }
        return era.atLeast(LibvirtEra.V7_0) ? d.vdpas().stream().filter(v -> !v.disk()).count() : 0;
    }

    private static LibvirtLimit ppc64(DomainSpec d, LibvirtEra era, int nPhb) {
        long mem = d.totalKiB();
        long maxMem = d.maxKiB();
        long base = maxMem / 128 + 4096L * nPhb + 8192;
        boolean passthrough =
                countVfio(d, era) > 0
                        || (era.atLeast(LibvirtEra.V6_0) && !d.nvmeDisks().isEmpty())
                        || (era.atLeast(LibvirtEra.V7_0)
                                && d.vdpas().stream().anyMatch(v -> !v.disk()));
        long pass = 0;
        String rule =
                "ppc64: maxMem/128 + 4 MiB x " + nPhb + " PHB + 8 MiB = " + Sizes.human(base << 10);
        if (passthrough) {
            long windows = 2 * GIB_KIB * nPhb;
            long ddw = mem + mem / 512 * nPhb + 8192;
            pass = Math.max(windows, ddw);
            rule +=
                    "; passthrough max(2 GiB x "
                            + nPhb
                            + " PHB, mem + mem/512 x "
                            + nPhb
                            + " + 8 MiB) = "
                            + Sizes.human(pass << 10);
        }
        return new LibvirtLimit((base + pass) << 10, rule);
    }
}
