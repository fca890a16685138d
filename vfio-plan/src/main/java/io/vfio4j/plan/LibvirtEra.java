package io.vfio4j.plan;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The generations of libvirt's {@code qemuDomainGetMemLockLimitBytes} (src/qemu/qemu_domain.c),
 * oldest first. docs/plan.md lists what changed in each.
 */
public enum LibvirtEra {
    /** libvirt 1.0.x: a VFIO hostdev gives memory + 1 GiB; nothing else counted. */
    V2013("2013"),
    /** RHEL 7.2 backports: hard_limit first; VFIO, locked or ppc64 (one PHB, TCG too). */
    V2015("2015"),
    /** 0 when nothing needs it; locked is unlimited; mdev counted; ppc64 KVM only, real PHBs. */
    V2017("2017"),
    /** libvirt 6.0: NVMe disks count as VFIO. */
    V6_0("6.0"),
    /** libvirt 7.x: vDPA interfaces count as VFIO (still memory + 1 GiB once). */
    V7_0("7.0"),
    /**
     * libvirt 8.7 and later (as of 2023+): one memory per vDPA, NVMe disk, and per VFIO device
     * behind a vIOMMU.
     */
    CURRENT("current");

    private final String label;

    LibvirtEra(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<LibvirtEra> ofLabel(String label) {
        return Arrays.stream(values()).filter(e -> e.label.equals(label)).findFirst();
    }

    public static List<String> labels() {
        return Arrays.stream(values()).map(LibvirtEra::label).toList();
    }

    boolean atLeast(LibvirtEra other) {
        return compareTo(other) >= 0;
    }
}
