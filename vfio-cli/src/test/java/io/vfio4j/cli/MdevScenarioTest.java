package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import io.vfio4j.cli.scenario.StepResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mdev steps run on mdev-core's bus: UUIDs in any letter case, errnos and messages. */
class MdevScenarioTest {
    private static final String UUID = "7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
    private static final String HEAD =
            """
            scenario: mdevs
            title: mdev steps
            host:
              platform: x86
              page_size: 4KiB
              mdev_parents:
                - device: "0000:00:02.0"
                  types:
                    - {name: i915-GVTg_V5_4, instances: 2}
                    - {name: i915-GVTg_V5_8, instances: 1}
            processes:
              - name: qemu
                memlock: 64MiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 16MiB}
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
            """;

    private static ScenarioResult run(String steps) {
        return ScenarioRunner.standalone(true)
                .run(new ScenarioParser().parse("mdev.yaml", HEAD + steps));
    }

    private static List<StepResult> passed(String steps) {
        ScenarioResult r = run(steps);
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as("%s: %s %s", s.step(), s.outcome(), s.failures())
                                        .isEqualTo(StepResult.Status.PASSED));
        return r.steps();
    }

    @Test
    void aUuidInAnotherLetterCaseIsTheSameMdev() {
        String upper = UUID.toUpperCase(java.util.Locale.ROOT);
        List<StepResult> steps =
                passed(
                        """
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_4, uuid: %s}
                            expect: {available: 1}
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_4, uuid: %s}
                            expect: {errno: EEXIST}
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_8, uuid: 7C3F5E0A-1b2c-4D5E-8f90-A1B2c3d4e5f6, as: other}
                            expect: {errno: EEXIST}
                          - attach: {group: %s}
                          - set_iommu: {}
                          - open_device: {device: 7c3f5e0a-1B2C-4d5e-8F90-a1b2c3d4e5f6}
                          - map: {vaddr: ram, iova: 0}
                          - pin: {device: %s, iova: 0, pages: 4}
                            expect: {locked_vm: 4, pinned_pages: 4}
                          - mdev_remove: {mdev: %s}
                            expect: {errno: EBUSY}
                          - close_device: {device: %s}
                            expect: {locked_vm: 0, pinned_pages: 0}
                          - detach: {group: %s}
                          - mdev_remove: {mdev: %s}
                            expect: {available: 2}
                          - mdev_remove: {mdev: %s}
                            expect: {errno: ENODEV}
                        """
                                .formatted(
                                        UUID, upper, upper, UUID, upper, UUID, upper, UUID, upper));
        assertThat(steps.get(1).message())
                .isEqualTo("an mdev named " + UUID + " exists already (i915-GVTg_V5_4)");
        assertThat(steps.get(2).message())
                .isEqualTo("an mdev named " + UUID + " exists already (i915-GVTg_V5_4)");
        assertThat(steps.get(8).message()).startsWith("remove " + UUID + ": the device is open");
        assertThat(steps.get(12).message()).isEqualTo("no mdev " + upper + " (removed?)");
    }

    @Test
    void anAliasInUseIsEexistAndAFullTypeIsEusers() {
        List<StepResult> steps =
                passed(
                        """
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_8, uuid: %s, as: vgpu}
                            expect: {available: 0}
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_4, uuid: 00000000-0000-4000-8000-000000000001, as: vgpu}
                            expect: {errno: EEXIST}
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_8, uuid: 00000000-0000-4000-8000-000000000002}
                            expect: {errno: EUSERS}
                          - mdev_remove: {mdev: vgpu}
                            expect: {available: 1}
                          - mdev_create: {parent: "0000:00:02.0", type: i915-GVTg_V5_8, uuid: 00000000-0000-4000-8000-000000000002, as: vgpu}
                            expect: {available: 0}
                        """
                                .formatted(UUID));
        assertThat(steps.get(1).message()).isEqualTo("an mdev named vgpu exists already");
        assertThat(steps.get(2).message())
                .isEqualTo(
                        "create 00000000-0000-4000-8000-000000000002: i915-GVTg_V5_8 has no"
                                + " available instance (all 1 in use)");
    }

    @Test
    void typesWithoutOneDriverPrefixStillWorkAndKeepTheirBehaviour() {
        String text =
                HEAD.replace(
                                        "- {name: i915-GVTg_V5_4, instances: 2}",
                                        "- {name: good-vgpu, instances: 2}")
                                .replace(
                                        "- {name: i915-GVTg_V5_8, instances: 1}",
                                        "- {name: \"leaky:vgpu\", vendor: leaks-on-close}")
                        + """
                  - mdev_create: {parent: "0000:00:02.0", type: "leaky:vgpu", uuid: %s, as: leaky}
                    expect: {available: 0}
                  - attach: {group: leaky}
                  - set_iommu: {}
                  - open_device: {device: leaky}
                  - map: {vaddr: ram, iova: 0}
                  - pin: {device: leaky, iova: 0, pages: 5}
                    expect: {locked_vm: 5}
                  - close_device: {device: leaky}
                    expect: {locked_vm: 5, pinned_pages: 5, leaks: 0}
                  - hot_unplug: {device: leaky}
                    expect: {locked_vm: 0, leaks: 1, leaked_pages: 5}
                  - mdev_create: {parent: "0000:00:02.0", type: "leaky:vgpu", uuid: 00000000-0000-4000-8000-000000000002}
                    expect: {errno: EUSERS}
                """
                                .formatted(UUID);
        ScenarioResult r =
                ScenarioRunner.standalone(true).run(new ScenarioParser().parse("m.yaml", text));
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as("%s: %s %s", s.step(), s.outcome(), s.failures())
                                        .isEqualTo(StepResult.Status.PASSED));
        assertThat(r.steps().get(8).message())
                .isEqualTo(
                        "create 00000000-0000-4000-8000-000000000002: scenario-leaky:vgpu has no"
                                + " available instance (all 1 in use)");
    }

    private static ScenarioSyntaxException refused(String text) {
        Throwable t = catchThrowable(() -> new ScenarioParser().parse("bad.yaml", text));
        assertThat(t).isInstanceOf(ScenarioSyntaxException.class);
        return (ScenarioSyntaxException) t;
    }

    @Test
    void badMdevDeclarationsAndStepsAreRefusedWithFileLineAndColumn() {
        String twoParents =
                HEAD.replace(
                        "processes:",
                        """
                            - device: "0000:00:02.0"
                              types: [{name: x-y}]
                        processes:""");
        assertThat(refused(twoParents + "  - detach: {group: 1}\n").getMessage())
                .startsWith("bad.yaml:11:15: a second mdev parent '0000:00:02.0'");
        assertThat(
                        refused(
                                        HEAD.replace("i915-GVTg_V5_8", "i915-GVTg_V5_4")
                                                + "  - set_iommu: {}\n")
                                .getMessage())
                .startsWith(
                        "bad.yaml:10:18: mdev parent 0000:00:02.0 declares type 'i915-GVTg_V5_4'"
                                + " twice");
        String noTypes =
                HEAD.replace(
                        """
                              types:
                                - {name: i915-GVTg_V5_4, instances: 2}
                                - {name: i915-GVTg_V5_8, instances: 1}
                        """,
                        """
                              types: []
                        """);
        assertThat(refused(noTypes + "  - set_iommu: {}\n").getMessage())
                .startsWith("bad.yaml:8:14: mdev parent 0000:00:02.0 declares no type");
        assertThat(
                        refused(
                                        HEAD
                                                + "  - mdev_create: {parent: \"0000:00:02.0\","
                                                + " type: i915-GVTg_V5_4, uuid:"
                                                + " 7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f}\n")
                                .getMessage())
                .isEqualTo(
                        "bad.yaml:19:71: step 1 (mdev_create).uuid:"
                                + " '7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f' is not a UUID (8-4-4-4-12"
                                + " hex digits)");
        assertThat(
                        refused(
                                        HEAD
                                                + "  - mdev_create: {parent: \"0000:00:02.0\","
                                                + " type: i915-GVTg_V5_4, uuid: "
                                                + UUID
                                                + "}\n"
                                                + "  - open_device: {device: 7c3f5e0a}\n")
                                .getMessage())
                .startsWith("bad.yaml:20:27: ")
                .contains("no device '7c3f5e0a'", UUID);
    }
}
