package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.plan.DomainSpec.HostdevKind;
import io.vfio4j.plan.DomainSpec.MemoryModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DomainXmlParserTest {
    @Test
    void malformedXmlIsReportedWithLineAndColumn() {
        String xml =
                "<domain type='kvm'>\n  <memory unit='GiB'>4</memory>\n  <devices>\n</domain>\n";

        assertThatThrownBy(() -> Xml.parse(xml))
                .isInstanceOf(PlanInputException.class)
                .hasMessageStartingWith("test.xml:4:3: ")
                .satisfies(
                        e -> {
                            PlanInputException p = (PlanInputException) e;
                            assertThat(p.line()).isEqualTo(4);
                            assertThat(p.column()).isEqualTo(3);
                        });
    }

    @Test
    void aDoctypeIsRefusedSoNoExternalEntityIsEverRead(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "top secret");
        String xml =
                "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM '"
                        + secret.toUri()
                        + "'>]>\n"
                        + "<domain type='kvm'><name>&x;</name><memory>1048576</memory>"
                        + "<os><type arch='x86_64'>hvm</type></os></domain>";

        assertThatThrownBy(() -> Xml.parse(xml))
                .isInstanceOf(PlanInputException.class)
                .hasMessageStartingWith("test.xml:2:")
                .hasMessageContaining("DOCTYPE")
                .hasMessageNotContaining("top secret");
    }

    @Test
    void aMissingMemoryPointsAtTheDomainElement() {
        String xml = "<domain type='kvm'>\n  <os><type arch='x86_64'>hvm</type></os>\n</domain>";

        assertThatThrownBy(() -> Xml.parse(xml))
                .hasMessage("test.xml:1:20: <domain> has no <memory>");
    }

    @Test
    void badValuesPointAtTheirElement() {
        assertThatThrownBy(
                        () ->
                                Xml.parse(
                                        Xml.domain("x86_64", "pc", "kvm", 1, "", "")
                                                .replace(
                                                        "<memory unit='GiB'>1",
                                                        "<memory unit='GiB'>lots")))
                .hasMessage("test.xml:3:22: <memory> is not a whole number of GiB: 'lots'");
        assertThatThrownBy(
                        () ->
                                Xml.parse(
                                        Xml.domain("x86_64", "pc", "kvm", 1, "", "")
                                                .replace("unit='GiB'", "unit='furlongs'")))
                .hasMessage("test.xml:3:27: <memory> has an unknown unit 'furlongs'");
        assertThatThrownBy(
                        () -> Xml.parse(Xml.domain("s390x", "s390-ccw-virtio", "kvm", 1, "", "")))
                .hasMessageContaining("arch 's390x' is not modelled");
        assertThatThrownBy(
                        () ->
                                Xml.parse(
                                        Xml.domain(
                                                "x86_64",
                                                "pc",
                                                "kvm",
                                                1,
                                                "",
                                                "<hostdev type='pci'><source/></hostdev>\n")))
                .hasMessage("test.xml:6:21: <hostdev> needs <source><address .../></source>");
        assertThatThrownBy(() -> Xml.parse("<hostdev/>"))
                .hasMessage("test.xml:1:11: the root element is <hostdev>, not <domain>");
    }

    @Test
    void aliasesAreLibvirtsUnlessGivenAndMustBeUnique() {
        DomainSpec d =
                Xml.parse(
                        Xml.domain(
                                "x86_64",
                                "q35",
                                "kvm",
                                4,
                                "",
                                Xml.hostdev(1)
                                        + Xml.vdpa(0)
                                        + Xml.hostdev(2)
                                                .replace(
                                                        "</hostdev>",
                                                        "<alias name='ua-gpu'/></hostdev>")
                                        + Xml.nvme(3, "vdb")));
        assertThat(d.hostdevs())
                .extracting(DomainSpec.Hostdev::alias)
                .containsExactly("hostdev0", "ua-gpu");
        assertThat(d.hostdevs())
                .extracting(DomainSpec.Hostdev::source)
                .containsExactly("0000:01:00.0", "0000:02:00.0");
        assertThat(d.vdpas()).extracting(DomainSpec.Vdpa::alias).containsExactly("net0");
        assertThat(d.nvmeDisks()).extracting(DomainSpec.NvmeDisk::alias).containsExactly("vdb");
        String twice = Xml.hostdev(1).replace("</hostdev>", "<alias name='x'/></hostdev>");
        assertThatThrownBy(
                        () -> Xml.parse(Xml.domain("x86_64", "q35", "kvm", 4, "", twice + twice)))
                .hasMessageEndingWith("alias 'x' is used twice");
    }

    @Test
    void memoryDevicesAndRounding() {
        String extra =
                "<cpu><numa><cell id='0' cpus='0' memory='1000' unit='MiB'/>"
                        + "<cell id='1' cpus='1' memory='1000001' unit='KiB'/></numa></cpu>\n";
        String devs =
                "<memory model='dimm'><target><size unit='MiB'>511</size></target></memory>\n"
                        + "<memory model='virtio-mem'><target><size unit='GiB'>4</size><block unit='MiB'>2</block>"
                        + "<requested unit='MiB'>1025</requested></target></memory>\n";
        DomainSpec d = Xml.parse(Xml.domain("x86_64", "q35", "kvm", 7, extra, devs));
        // Cells: 1,024,000 KiB and 1,000,001 KiB rounded up to 1 MiB = 1,000,448 KiB.
        assertThat(d.initialKiB()).isEqualTo(1_024_000L + 1_000_448L);
        // The DIMM rounded up to 2 MiB: 512 MiB; virtio-mem requested 1025 MiB to 2 MiB blocks:
        // 1026 MiB.
        assertThat(d.memoryDevices())
                .extracting(DomainSpec.MemoryDevice::model)
                .containsExactly(MemoryModel.DIMM, MemoryModel.VIRTIO_MEM);
        assertThat(d.memoryDevices().get(0).sizeKiB()).isEqualTo(512 * 1024);
        assertThat(d.memoryDevices().get(1).sizeKiB()).isEqualTo(4 * 1024 * 1024);
        assertThat(d.memoryDevices().get(1).mappedKiB()).isEqualTo(1026 * 1024);
        assertThat(d.totalKiB()).isEqualTo(1_024_000L + 1_000_448L + 512 * 1024 + 4 * 1024 * 1024);
    }

    @Test
    void aViommuOnQemusCommandLineIsSeenButNotByLibvirt() {
        String xml =
                Xml.domain("x86_64", "q35", "kvm", 4, "", Xml.hostdev(1))
                        .replace(
                                "<domain type='kvm'>",
                                "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
                        .replace(
                                "</domain>",
                                "<qemu:commandline><qemu:arg value='-device'/><qemu:arg value='amd-iommu'/></qemu:commandline></domain>");
        DomainSpec d = Xml.parse(xml);
        assertThat(d.commandLineIommu()).isTrue();
        assertThat(d.iommuModels()).isEmpty();
        assertThat(d.qemuHasViommu()).isTrue();
        // Without the qemu namespace the element is not QEMU's command line.
        assertThat(
                        Xml.parse(
                                        xml.replace(
                                                        " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'",
                                                        "")
                                                .replace("qemu:", "q-"))
                                .commandLineIommu())
                .isFalse();
    }

    @Test
    void viommuDevicesOnTheCommandLineInBothSyntaxes() {
        assertThat(DomainXmlParser.namesViommu("intel-iommu,intremap=on,caching-mode=on")).isTrue();
        assertThat(DomainXmlParser.namesViommu("virtio-iommu-pci")).isTrue();
        assertThat(DomainXmlParser.namesViommu("{\"driver\":\"intel-iommu\",\"intremap\":\"on\"}"))
                .isTrue();
        assertThat(
                        DomainXmlParser.namesViommu(
                                "{\"driver\": \"arm-smmuv3\", \"primary-bus\": \"pcie.0\"}"))
                .isTrue();
        assertThat(
                        DomainXmlParser.namesViommu(
                                "{\"driver\":\"virtio-net-pci\",\"id\":\"intel-iommu\"}"))
                .isFalse();
        assertThat(DomainXmlParser.namesViommu("-device")).isFalse();
        assertThat(DomainXmlParser.namesViommu("virtio-net-pci,iommu_platform=on")).isFalse();
        assertThat(DomainXmlParser.namesViommu("")).isFalse();
    }

    @Test
    void hostdevKinds() {
        String devs =
                "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='4b20d080-1b54-4048-85b3-a6a62d165c01'/></source></hostdev>\n"
                        + "<hostdev mode='subsystem' type='scsi'><source/></hostdev>\n"
                        + "<interface type='hostdev'><source><address type='pci' domain='0' bus='0x5e' slot='0x10' function='0x2'/></source></interface>\n";
        DomainSpec d = Xml.parse(Xml.domain("x86_64", "q35", "kvm", 4, "", devs));
        assertThat(d.hostdevs())
                .extracting(DomainSpec.Hostdev::kind)
                .containsExactly(HostdevKind.MDEV, HostdevKind.OTHER, HostdevKind.PCI);
        assertThat(d.hostdevs().get(2).source()).isEqualTo("0000:5e:10.2");
        assertThat(d.hostdevs().get(2).alias()).isEqualTo("net0");
    }

    @Test
    void aMissingFileIsAnInputError(@TempDir Path dir) {
        assertThatThrownBy(() -> DomainXmlParser.parse(dir.resolve("nope.xml")))
                .isInstanceOf(PlanInputException.class)
                .hasMessageEndingWith("nope.xml:0:0: no such file");
    }

    @Test
    void onlyDriverIommufdYesAttachesAHostdevThroughIommufd() {
        String devices =
                Xml.hostdev(1).replace("<source>", "<driver iommufd='yes'/><source>")
                        + Xml.hostdev(2).replace("<source>", "<driver iommufd='no'/><source>")
                        + Xml.hostdev(3).replace("<source>", "<driver name='vfio'/><source>")
                        + Xml.hostdev(4);
        DomainSpec d = Xml.parse(Xml.domain("x86_64", "pc-q35-10.1", "kvm", 4, "", devices));
        assertThat(d.hostdevs())
                .extracting(DomainSpec.Hostdev::iommufd)
                .containsExactly(true, false, false, false);
    }
}
