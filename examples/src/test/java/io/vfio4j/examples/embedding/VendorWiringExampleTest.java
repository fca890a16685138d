package io.vfio4j.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevType;
import io.vfio4j.mdev.ScriptedVendor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class VendorWiringExampleTest {
    private static final Path SOURCE =
            Path.of("src/main/java/io/vfio4j/examples/embedding/VendorWiringExample.java");
    private static final Path DOC = Path.of("../docs/embedding.md");
    private static final String BEGIN = "<!-- BEGIN VendorWiringExample.java -->\n```java\n";
    private static final String END = "```\n<!-- END VendorWiringExample.java -->";

    @Test
    void theApplicationsDriverReplacesTheVendorsAndASecondParentIsAdded() {
        SimHost host = SimHost.builder().build();
        ScriptedVendor mine = new ScriptedVendor("mine", host.pageSize());
        ScriptedVendor nic = new ScriptedVendor("nic", host.pageSize());
        MdevBus bus = VendorWiringExample.wire(host, mine, nic);

        assertThat(bus.parents())
                .extracting(MdevParent::name)
                .containsExactly("0000:65:00.0", "0000:66:00.0");
        assertThat(bus.parents()).extracting(MdevParent::driver).containsExactly(mine, nic);
        assertThat(bus.parents().get(0).types())
                .extracting(MdevType::name)
                .containsExactly("mine-big");

        // The replaced driver's mdev pins through a type1 container: 2 pages of locked_vm.
        SimProcess vmm =
                host.spawnProcess(
                        ProcessSpec.builder().name("vmm").memlockLimitBytes(1 << 20).build());
        vmm.mmap(RegionSpec.anonymous(0x10_0000_0000L, 1 << 20));
        MdevDevice d = bus.create(bus.parents().get(0).requireType("mine-big"), UUID.randomUUID());
        VfioContainer c = bus.vfio().openContainer();
        d.group().setContainer(vmm, c);
        c.setIommu(IommuType.TYPE1v2);
        c.ioctl(vmm, MapDma.rw(0x10_0000_0000L, 0, 1 << 20));
        d.group().openDevice(d.name());
        assertThat(ScriptedVendor.of(d).pin(0, 2, DmaProt.RW)).isEqualTo(2);
        assertThat(vmm.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(2);
        bus.vfio().close();
        assertThat(vmm.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(bus.vfio().vendorLeaks()).isEmpty();
    }

    @Test
    void theDocumentShowsExactlyTheMarkedPartOfTheSource() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("begin marker in %s", DOC).isNotNegative();
        assertThat(end).as("end marker in %s", DOC).isGreaterThan(begin);
        assertThat(doc.substring(begin + BEGIN.length(), end)).isEqualTo(marked());
    }

    /** The source between the markers, one indent level out. */
    private static String marked() throws IOException {
        String src = Files.readString(SOURCE, StandardCharsets.UTF_8);
        int from = src.indexOf('\n', src.indexOf("// BEGIN embedding.md")) + 1;
        int to = src.lastIndexOf('\n', src.indexOf("// END embedding.md")) + 1;
        return src.substring(from, to)
                .lines()
                .map(l -> l.startsWith("    ") ? l.substring(4) : l)
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
