package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lifecycle cases of src/test/resources/lifecycle/README.md, worked by hand there. */
class LifecycleTest {
    static final Path DIR = Path.of("src/test/resources/lifecycle");
    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;

    private static PlanResult plan(
            String domain, LibvirtEra era, long workingSet, LifecycleStep... steps) {
        return Planner.plan(
                DomainXmlParser.parse(DIR.resolve(domain)),
                new Planner.Options(
                        era, workingSet, Planner.Options.DEFAULT_INHERITED, List.of(steps)));
    }

    private static LifecycleStep hotplug(String file) {
        return new LifecycleStep.Hotplug(DIR.resolve(file));
    }

    @Test
    void libvirtRaisesTheLimitBeforeAHotplugBehindAViommu() {
        PlanResult r =
                plan("q35-8g-viommu-one-gpu.xml", LibvirtEra.CURRENT, 0, hotplug("gpu1.xml"));

        assertThat(r.steps()).extracting(StepResult::limitBytes).containsExactly(9 * GIB, 17 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::lockedVmBytes)
                .containsExactly(8 * GIB, 16 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::verdict)
                .containsExactly(Verdict.OK, Verdict.OK);
        assertThat(r.steps().get(1).failure()).isEmpty();
        assertThat(r.steps().get(1).containers()).hasSize(2);
        assertThat(r.verdict()).isEqualTo(Verdict.OK);
    }

    @Test
    void beforeEightSevenTheSecondDeviceBehindTheViommuFailsAtHotplug() {
        PlanResult r = plan("q35-8g-viommu-one-gpu.xml", LibvirtEra.V7_0, 0, hotplug("gpu1.xml"));

        assertThat(r.steps()).extracting(StepResult::limitBytes).containsExactly(9 * GIB, 9 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::verdict)
                .containsExactly(Verdict.OK, Verdict.TOO_LOW);
        Failure f = r.steps().get(1).failure().orElseThrow();
        assertThat(f.device()).isEqualTo("hostdev1");
        assertThat(f.errno()).isEqualTo("ENOMEM");
        assertThat(r.verdict()).isEqualTo(Verdict.TOO_LOW);
        assertThat(r.minMemlockBytes()).isEqualTo(16 * GIB);
    }

    @Test
    void memoryPlugRaisesTheLimitAndUnplugNeverLowersIt() {
        PlanResult r =
                plan(
                        "q35-4g-numa-gpu.xml",
                        LibvirtEra.CURRENT,
                        0,
                        new LifecycleStep.MemoryPlug(GIB),
                        new LifecycleStep.MemoryPlug(GIB),
                        new LifecycleStep.Unplug("dimm0"));

        assertThat(r.steps())
                .extracting(StepResult::label)
                .containsExactly("start", "memory-plug 1 GiB", "memory-plug 1 GiB", "unplug dimm0");
        assertThat(r.steps())
                .extracting(s -> s.libvirt().bytes())
                .containsExactly(5 * GIB, 6 * GIB, 7 * GIB, 6 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::limitBytes)
                .containsExactly(5 * GIB, 6 * GIB, 7 * GIB, 7 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::lockedVmBytes)
                .containsExactly(4 * GIB, 5 * GIB, 6 * GIB, 5 * GIB);
        assertThat(r.verdict()).isEqualTo(Verdict.OK);
    }

    @Test
    void theOriginalLimitComesBackWhenTheLastDeviceLeaves() {
        PlanResult r =
                plan(
                        "q35-4g-numa-gpu.xml",
                        LibvirtEra.CURRENT,
                        0,
                        new LifecycleStep.Unplug("hostdev0"),
                        hotplug("gpu1.xml"));

        assertThat(r.steps())
                .extracting(StepResult::limitBytes)
                .containsExactly(5 * GIB, 8 * MIB, 5 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::lockedVmBytes)
                .containsExactly(4 * GIB, 0L, 4 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::verdict)
                .containsExactly(Verdict.OK, Verdict.NOT_NEEDED, Verdict.OK);
        assertThat(r.steps().get(1).containers()).isEmpty();
        assertThat(r.steps().get(2).containers().get(0).devices()).containsExactly("hostdev0");
    }

    @Test
    void aGpuJoiningAVgpuReplaysAndLeavingReAccounts() {
        PlanResult r =
                plan(
                        "q35-4g-vgpu.xml",
                        LibvirtEra.CURRENT,
                        256 * MIB,
                        hotplug("gpu1.xml"),
                        new LifecycleStep.Unplug("hostdev1"));

        assertThat(r.steps())
                .extracting(StepResult::lockedVmBytes)
                .containsExactly(256 * MIB, 4 * GIB, 256 * MIB);
        assertThat(r.steps())
                .extracting(StepResult::limitBytes)
                .containsExactly(5 * GIB, 5 * GIB, 5 * GIB);
        assertThat(r.steps().get(1).containers())
                .singleElement()
                .satisfies(c -> assertThat(c.devices()).containsExactly("hostdev0", "hostdev1"));
    }

    @Test
    void aHotpluggedVdpaPinsIntoPinnedVm() {
        PlanResult r = plan("q35-4g-numa-gpu.xml", LibvirtEra.CURRENT, 0, hotplug("vdpa1.xml"));

        assertThat(r.steps()).extracting(StepResult::limitBytes).containsExactly(5 * GIB, 9 * GIB);
        assertThat(r.steps()).extracting(StepResult::pinnedVmBytes).containsExactly(0L, 4 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::lockedVmBytes)
                .containsExactly(4 * GIB, 4 * GIB);
        assertThat(r.steps().get(1).containers())
                .extracting(ContainerCharge::name)
                .containsExactly("container 1", "vhost-vdpa net0");
    }

    @Test
    void aLimitRaisedBeforeAHotplugAppliesToTheReplayOfOlderMappings() {
        PlanResult r =
                plan(
                        "q35-4g-vgpu.xml",
                        LibvirtEra.V2013,
                        0,
                        hotplug("gpu1.xml"),
                        hotplug("nvme-vda.xml"));

        assertThat(r.steps())
                .extracting(StepResult::limitBytes)
                .containsExactly(8 * MIB, 5 * GIB, 5 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::lockedVmBytes)
                .containsExactly(0L, 4 * GIB, 8 * GIB);
        assertThat(r.steps())
                .extracting(StepResult::verdict)
                .containsExactly(Verdict.OK, Verdict.OK, Verdict.TOO_LOW);
        // The run under libvirt's limits got past the replay: the first refusal is the NVMe disk's.
        assertThat(r.steps().get(1).failure()).isEmpty();
        Failure f = r.steps().get(2).failure().orElseThrow();
        assertThat(f.device()).isEqualTo("vda");
        assertThat(f.errno()).isEqualTo("ENOMEM");
        assertThat(f.action()).isEqualTo("VFIO_IOMMU_MAP_DMA of ram-below-4g (2 GiB)");
    }

    @Test
    void badStepsAreRefusedWithTheirReason() {
        assertThatThrownBy(
                        () ->
                                plan(
                                        "q35-4g-numa-gpu.xml",
                                        LibvirtEra.CURRENT,
                                        0,
                                        new LifecycleStep.Unplug("gpu9")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unplug:gpu9: the domain has no device with that alias");
        assertThatThrownBy(
                        () ->
                                plan(
                                        "q35-4g-numa-gpu.xml",
                                        LibvirtEra.CURRENT,
                                        0,
                                        hotplug("not-a-device.xml")))
                .isInstanceOf(PlanInputException.class)
                .hasMessageEndingWith(
                        "not-a-device.xml:1:43: a hotplug file holds one <hostdev>, <interface> or <disk>, not <controller>");
        assertThatThrownBy(() -> LifecycleStep.parse("replug:x"))
                .hasMessageContaining("unknown step 'replug'");
        assertThatThrownBy(() -> LifecycleStep.parse("hotplug:"))
                .hasMessageContaining("expected hotplug:FILE");
        assertThatThrownBy(() -> LifecycleStep.parse("memory-plug:lots"))
                .hasMessageContaining("not a size");
        assertThat(LifecycleStep.parse("memory-plug:512MiB"))
                .isEqualTo(new LifecycleStep.MemoryPlug(512 * MIB));
        assertThatThrownBy(() -> plan("q35-4g-vgpu.xml", LibvirtEra.CURRENT, 1000))
                .hasMessageContaining("multiple of the host page size");
    }
}
