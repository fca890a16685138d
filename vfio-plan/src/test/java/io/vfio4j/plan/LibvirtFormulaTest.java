package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * libvirt's formula on configurations its own test suite does not cover, each worked by hand from
 * the rules (comments), and the older eras.
 */
class LibvirtFormulaTest {
    static final long GIB = 1L << 30;

    private static long limit(String xml, LibvirtEra era) {
        return LibvirtFormula.limit(Xml.parse(xml), era).bytes();
    }

    @Test
    void x86TwoHostdevsWithoutAndWithAVirtualIommu() {
        String two = Xml.hostdev(1) + Xml.hostdev(2);
        // 16 GiB x 1 + 1 GiB; with a vIOMMU 16 GiB x 2 + 1 GiB.
        assertThat(limit(Xml.domain("x86_64", "q35", "kvm", 16, "", two), LibvirtEra.CURRENT))
                .isEqualTo(17 * GIB);
        assertThat(
                        limit(
                                Xml.domain(
                                        "x86_64",
                                        "q35",
                                        "kvm",
                                        16,
                                        "",
                                        two + "<iommu model='intel'/>\n"),
                                LibvirtEra.CURRENT))
                .isEqualTo(33 * GIB);
        // Before 8.7 the vIOMMU made no difference: 16 + 1.
        assertThat(
                        limit(
                                Xml.domain(
                                        "x86_64",
                                        "q35",
                                        "kvm",
                                        16,
                                        "",
                                        two + "<iommu model='intel'/>\n"),
                                LibvirtEra.V7_0))
                .isEqualTo(17 * GIB);
    }

    @Test
    void everyDeviceKindInOneFactor() {
        // 4 GiB; 2 VFIO behind a vIOMMU (2) + 1 NVMe (1) + 1 vDPA (1) = 4: 4 x 4 + 1 = 17 GiB.
        String devs =
                Xml.hostdev(1)
                        + Xml.hostdev(2)
                        + Xml.nvme(3, "vda")
                        + Xml.vdpa(0)
                        + "<iommu model='virtio'/>\n";
        assertThat(limit(Xml.domain("x86_64", "q35", "kvm", 4, "", devs), LibvirtEra.CURRENT))
                .isEqualTo(17 * GIB);
        // 7.0: all of them once: 4 + 1 = 5 GiB; 6.0 the same (NVMe and VFIO count); 2017: VFIO
        // only,
        // still once; 2013: once.
        for (LibvirtEra era :
                new LibvirtEra[] {
                    LibvirtEra.V7_0, LibvirtEra.V6_0, LibvirtEra.V2017, LibvirtEra.V2013
                }) {
            assertThat(limit(Xml.domain("x86_64", "q35", "kvm", 4, "", devs), era))
                    .as(era.label())
                    .isEqualTo(5 * GIB);
        }
    }

    @Test
    void vdpaCountsFromSevenNvmeFromSix() {
        String vdpaOnly =
                Xml.domain("x86_64", "q35", "kvm", 8, "", Xml.vdpa(0) + Xml.vdpa(1) + Xml.vdpa(2));
        assertThat(limit(vdpaOnly, LibvirtEra.CURRENT)).isEqualTo(25 * GIB); // 3 x 8 + 1
        assertThat(limit(vdpaOnly, LibvirtEra.V7_0)).isEqualTo(9 * GIB); // 8 + 1, once
        assertThat(limit(vdpaOnly, LibvirtEra.V6_0)).isZero(); // vDPA not yet counted
        String nvmeOnly = Xml.domain("x86_64", "q35", "kvm", 8, "", Xml.nvme(3, "vda"));
        assertThat(limit(nvmeOnly, LibvirtEra.V6_0)).isEqualTo(9 * GIB);
        assertThat(limit(nvmeOnly, LibvirtEra.V2017)).isZero();
    }

    @Test
    void lockedAndHardLimitAcrossEras() {
        String locked =
                Xml.domain(
                        "x86_64", "pc", "kvm", 1, "<memoryBacking><locked/></memoryBacking>\n", "");
        assertThat(limit(locked, LibvirtEra.CURRENT)).isEqualTo(LibvirtLimit.UNLIMITED);
        // 2015: no locked rule in this function yet: an x86 guest with <locked/> got mem + 1 GiB.
        assertThat(limit(locked, LibvirtEra.V2015)).isEqualTo(2 * GIB);
        String hard =
                Xml.domain(
                        "x86_64",
                        "pc",
                        "kvm",
                        1,
                        "<memtune><hard_limit unit='KiB'>2097152</hard_limit></memtune>\n",
                        Xml.hostdev(1));
        assertThat(limit(hard, LibvirtEra.V2015)).isEqualTo(2 * GIB);
        // 2013 did not look at hard_limit: mem + 1 GiB.
        assertThat(limit(hard, LibvirtEra.V2013)).isEqualTo(2 * GIB);
        String hard3 = hard.replace("2097152", "3145728");
        assertThat(limit(hard3, LibvirtEra.CURRENT)).isEqualTo(3 * GIB);
        assertThat(limit(hard3, LibvirtEra.V2013)).isEqualTo(2 * GIB);
    }

    @Test
    void ppc64DerivedVectors() {
        // 4 GiB, no device, 1 PHB: 32,768 + 4096 + 8192 = 45,056 KiB.
        assertThat(limit(Xml.domain("ppc64", "pseries", "kvm", 4, "", ""), LibvirtEra.CURRENT))
                .isEqualTo(45056L << 10);
        // 64 GiB, one VFIO, 2 PHBs: 524,288 + 8192 + 8192 = 540,672; max(4,194,304, 67,108,864 +
        // 131,072 x 2 + 8192 = 67,379,200): 67,919,872 KiB.
        assertThat(
                        limit(
                                Xml.domain("ppc64", "pseries", "kvm", 64, "", Xml.hostdev(1)),
                                LibvirtEra.CURRENT))
                .isEqualTo(69549948928L);
        // 2015: one PHB fixed, TCG too: 1 GiB guest: 8192 + 4096 + 8192 = 20,480 KiB.
        assertThat(limit(Xml.domain("ppc64", "pseries", "qemu", 1, "", ""), LibvirtEra.V2015))
                .isEqualTo(20480L << 10);
        assertThat(limit(Xml.domain("ppc64", "pseries", "qemu", 1, "", ""), LibvirtEra.V2017))
                .isZero();
    }

    @Test
    void ppc64CountsTheListedPhbsWhenTheXmlHasThem() {
        String phbs =
                "<controller type='pci' index='0' model='pci-root'><model name='spapr-pci-host-bridge'/></controller>\n"
                        + "<controller type='pci' index='1' model='pci-root'><model name='spapr-pci-host-bridge'/></controller>\n"
                        + "<controller type='pci' index='2' model='pci-root'><model name='spapr-pci-host-bridge'/></controller>\n";
        DomainSpec d =
                Xml.parse(Xml.domain("ppc64", "pseries", "kvm", 4, "", phbs + Xml.hostdev(1)));
        assertThat(LibvirtFormula.phbs(d)).isEqualTo(3);
        // base 32,768 + 12,288 + 8192 = 53,248; passthrough max(6,291,456, 4,227,072).
        assertThat(LibvirtFormula.limit(d, LibvirtEra.CURRENT).bytes())
                .isEqualTo((53248L + 6291456L) << 10);
    }

    @Test
    void eraLabelsRoundTrip() {
        for (LibvirtEra e : LibvirtEra.values()) {
            assertThat(LibvirtEra.ofLabel(e.label())).contains(e);
        }
        assertThat(LibvirtEra.ofLabel("1999")).isEmpty();
        assertThat(LibvirtEra.labels())
                .containsExactly("2013", "2015", "2017", "6.0", "7.0", "current");
    }
}
