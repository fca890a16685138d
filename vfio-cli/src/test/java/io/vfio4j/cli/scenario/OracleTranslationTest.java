package io.vfio4j.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.oracle.OraclePlan;
import io.vfio4j.oracle.ProbeOp;
import io.vfio4j.oracle.ProbeScenario;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenario steps into the kernel oracle's probe operations, and what stays unchecked. */
class OracleTranslationTest {
    static final String SCENARIO =
            String.join(
                    "\n",
                    "scenario: t",
                    "title: translation",
                    "host:",
                    "  platform: x86",
                    "  page_size: 4KiB",
                    "  iommu_groups:",
                    "    - {id: 1, devices: [\"0000:01:00.0\"]}",
                    "    - {id: 2, devices: [\"0000:02:00.0\"]}",
                    "  mdev_parents:",
                    "    - device: \"0000:03:00.0\"",
                    "      types: [{name: vgpu, instances: 2}]",
                    "processes:",
                    "  - name: qemu",
                    "    memlock: 64MiB",
                    "    regions:",
                    "      - {name: ram, vaddr: 0x10_0000_0000, size: 16MiB}",
                    "      - {name: big, vaddr: 0x20_0000_0000, size: 1GiB}",
                    "containers:",
                    "  - {name: vm, iommu: TYPE1v2}",
                    "steps:",
                    "  - attach: {group: 1}",
                    "  - set_iommu: {}",
                    "  - map: {vaddr: ram+4KiB, iova: 0x10_0000, size: 8KiB}",
                    "  - map: {vaddr: big, iova: 0x4000_0000}",
                    "  - unmap: {iova: 0x10_0000, size: 8KiB}",
                    "  - unmap: {flags: [all]}",
                    "  - check_extension: {extension: 6}",
                    "  - get_info: {}",
                    "  - set_limit: {memlock: 8MiB, cap_ipc_lock: false}",
                    "  - attach: {group: 2}",
                    "  - mdev_create: {parent: \"0000:03:00.0\", type: vgpu, uuid: 11111111-2222-3333-4444-555555555555, as: vg}",
                    "  - detach: {group: 1}",
                    "  - exit: {process: qemu}",
                    "");

    @Test
    void containerStepsBecomeProbeOperationsWithTheirAddressesResolved() {
        Scenario s = new ScenarioParser().parse("t.yaml", SCENARIO);
        OraclePlan plan = OracleTranslation.plan(List.of(s));
        ProbeScenario p = plan.program().scenarios().get(0);
        assertThat(p.ops())
                .extracting(ProbeOp::line)
                .containsExactly(
                        "setup.rl rlimit 0x4000000",
                        "setup.cap cap_ipc_lock 0x0",
                        "setup.r1 mmap 0x1000000000 0x1000000 rw",
                        "setup.r2 mmap 0x2000000000 0x40000000 rw",
                        "s1 attach",
                        "s2 set_iommu 0x3",
                        "s3 map 0x1000001000 0x100000 0x2000 0x3 0x20",
                        "s5 unmap 0x100000 0x2000 0x0 0x18 0x1000",
                        "s6 unmap 0x0 0x0 0x2 0x18 0x1000",
                        "s7 check_ext 0x6",
                        "s8 info 0x1000",
                        "s9a rlimit 0x800000",
                        "s9b cap_ipc_lock 0x0",
                        "s11 mdev_use 0x0 0x0",
                        "s12 detach",
                        "s13 exit");
        assertThat(plan.label("t", p.ops().get(6)))
                .isEqualTo("step 3 (line 23): map ram+4KiB 8 KiB -> iova 0x100000 rw");
    }

    @Test
    void whatARealHostHereCannotDoIsListedWithItsReason() {
        Scenario s = new ScenarioParser().parse("t.yaml", SCENARIO);
        List<OraclePlan.Unchecked> u = OracleTranslation.plan(List.of(s)).unchecked();
        assertThat(u)
                .extracting(OraclePlan.Unchecked::step, OraclePlan.Unchecked::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "step 4 (line 24)",
                                "region big is 1 GiB: the guest reserves it but can pin at most 128"
                                        + " MiB, and with the passthrough group in the container the"
                                        + " kernel pins all it maps"),
                        org.assertj.core.groups.Tuple.tuple(
                                "step 10 (line 30)",
                                "group 2: the guest has one passthrough group (the scenario's group 1)"));
    }

    @Test
    void aLargerGuestPinsLargerRegionsForReal() {
        Scenario s = new ScenarioParser().parse("t.yaml", SCENARIO);
        OraclePlan plan = OracleTranslation.plan(List.of(s), 1536);
        assertThat(plan.program().scenarios().get(0).ops())
                .extracting(ProbeOp::line)
                .contains("s4 map 0x2000000000 0x40000000 0x40000000 0x3 0x20");
        assertThat(plan.unchecked())
                .extracting(OraclePlan.Unchecked::step)
                .containsExactly("step 10 (line 30)");
    }

    @Test
    void stepKindsNoRealHostHereHasAreNamedWithTheirReason() {
        assertThat(OracleTranslation.reason("spapr_enable")).isEqualTo("SPAPR: the guest is x86");
        assertThat(OracleTranslation.reason("vendor_request"))
                .isEqualTo("mdev: the test vendor driver has no such request");
        assertThat(OracleTranslation.reason("inject_fault"))
                .isEqualTo("fault injection belongs to the model's host");
        assertThat(OracleTranslation.reason("dma_write"))
                .isEqualTo(
                        "dma_write: the probe has no such operation (device file descriptors and"
                                + " DMA are not driven)");
    }

    @Test
    void iommufdNativeStepsAreNotCheckedOnTheRealKernel() {
        for (String op : List.of("iommufd_open", "ioas_map", "hwpt_alloc", "device_attach")) {
            assertThat(OracleTranslation.reason(op))
                    .isEqualTo(
                            "iommufd native objects: the probe drives VFIO containers, not"
                                    + " /dev/iommu");
        }
    }
}
