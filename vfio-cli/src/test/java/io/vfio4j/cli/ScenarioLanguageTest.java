package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.StepResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 15: kernel answers a scenario file can state (counts the core judges, flags, sums). */
class ScenarioLanguageTest {
    static final String HEAD =
            """
            scenario: lang
            host:
              iommu_groups:
                - {id: 1}
              mdev_parents:
                - device: "0000:00:02.0"
                  types:
                    - {name: t, instances: 2}
            processes:
              - name: qemu
                memlock: 1GiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 64MiB}
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
              - mdev_create: {parent: "0000:00:02.0", type: t, uuid: 7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6, as: vgpu}
              - attach: {group: vgpu}
              - set_iommu: {}
              - open_device: {device: vgpu}
              - map: {vaddr: ram, iova: 0}
            """;

    static ScenarioResult run(String steps) {
        return ScenarioRunner.standalone(true)
                .run(new ScenarioParser().parse("lang.yaml", HEAD + steps));
    }

    static List<StepResult> passed(String steps) {
        ScenarioResult r = run(steps);
        assertThat(r.steps())
                .allSatisfy(
                        s ->
                                assertThat(s.status())
                                        .as(
                                                "%s: %s %s %s",
                                                s.step(), s.outcome(), s.failures(), s.message())
                                        .isEqualTo(StepResult.Status.PASSED));
        return r.steps();
    }

    @Test
    void pinOfZeroOrNegativePagesIsEinvalFromTheCoreAndUnpinIsAWarn() {
        passed(
                """
                  - pin: {device: vgpu, iova: 0, pages: 0}
                    expect: {errno: EINVAL, locked_vm: 0, pinned_pages: 0, warnings: 0}
                  - pin: {device: vgpu, iova: 0, pages: -2147483648}
                    expect: {errno: EINVAL, pinned_pages: 0}
                  - pin: {device: vgpu, iova: 0, pages: 2}
                    expect: {locked_vm: 2, pinned_pages: 2, calls: 1}
                  - unpin: {device: vgpu, iova: 0, pages: 0}
                    expect: {pinned_pages: 2, warnings: 1}
                  - unpin: {device: vgpu, iova: 0, pages: -1}
                    expect: {pinned_pages: 2, warnings: 2}
                  - unpin: {device: vgpu, iova: 0, pages: 2}
                    expect: {pinned_pages: 0, locked_vm: 0, warnings: 2}
                """);
    }
}
