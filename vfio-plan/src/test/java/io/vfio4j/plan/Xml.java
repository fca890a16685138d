package io.vfio4j.plan;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/** Domain XML written inline in a test. */
final class Xml {
    private Xml() {}

    static DomainSpec parse(String xml) {
        return DomainXmlParser.parse(
                new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "test.xml");
    }

    /** A domain with the given memory (GiB), machine and devices. */
    static String domain(
            String arch, String machine, String type, int gib, String extra, String devices) {
        return "<domain type='"
                + type
                + "'>\n"
                + "  <name>t</name>\n"
                + "  <memory unit='GiB'>"
                + gib
                + "</memory>\n"
                + extra
                + "  <os><type arch='"
                + arch
                + "' machine='"
                + machine
                + "'>hvm</type></os>\n"
                + "  <devices>\n"
                + devices
                + "  </devices>\n"
                + "</domain>\n";
    }

    static String hostdev(int bus) {
        return "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000'"
                + " bus='0x"
                + Integer.toHexString(bus)
                + "' slot='0x00' function='0x0'/></source></hostdev>\n";
    }

    static String vdpa(int n) {
        return "<interface type='vdpa'><source dev='/dev/vhost-vdpa-" + n + "'/></interface>\n";
    }

    static String nvme(int bus, String dev) {
        return "<disk type='nvme' device='disk'><source type='pci' managed='yes' namespace='1'>"
                + "<address domain='0x0000' bus='0x"
                + Integer.toHexString(bus)
                + "' slot='0x00' function='0x0'/>"
                + "</source><target dev='"
                + dev
                + "' bus='virtio'/></disk>\n";
    }
}
