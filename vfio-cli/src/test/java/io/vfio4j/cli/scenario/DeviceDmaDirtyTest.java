package io.vfio4j.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.PinnedRun;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuDomain;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.SimProcess;
import org.junit.jupiter.api.Test;

/**
 * A scenario's device DMA write goes through the IOMMU, which marks the pages it writes while the
 * domain tracks dirty pages (docs/reference/iommufd.md §8, what marks a page dirty); a read marks
 * nothing.
 */
class DeviceDmaDirtyTest {
    private static final long P = 4096;

    @Test
    void aDeviceWriteMarksTheIommuPagesItTouchesAndAReadDoesNot() {
        SimHost host = SimHost.builder().build();
        SimIommuGroup g =
                host.addIommuGroup(IommuGroupSpec.builder().id(1).dirtyTracking(true).build());
        SimIommuDomain d = (SimIommuDomain) g.allocateDomain(true);
        d.attach(g);
        SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
        qemu.mmap(RegionSpec.anonymous(0x7f00_0000_0000L, 16 * P));
        PinnedRun run = qemu.simAddressSpace().orElseThrow().translate(0x7f00_0000_0000L, 16);
        assertThat(run.pages()).isGreaterThanOrEqualTo(10);
        d.map(0x10_0000, run.pfn(), run.pages(), DmaProt.RW);
        d.setDirtyTracking(true);
        // 8 bytes at the end of page 2 and the start of page 3: two pages.
        DeviceDma.access(host, 1, 0x10_0000 + 3 * P - 4, new byte[8], true);
        DeviceDma.access(host, 1, 0x10_0000 + 9 * P, new byte[8], false);
        assertThat(d.readDirty(0x10_0000, 0x10_0000 + run.pages() * P - 1, false))
                .containsExactly(new IovaRange(0x10_0000 + 2 * P, 0x10_0000 + 4 * P - 1));
    }
}
