package io.vfio4j.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.vfio4j.oracle.OraclePlan;
import io.vfio4j.oracle.ProbeOp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A scenario's mdev steps become the oracle guest's test mdev operations. */
class OracleMdevsTest {
    static final String SCENARIO =
            String.join(
                    "\n",
                    "scenario: m",
                    "title: mdev translation",
                    "host:",
                    "  platform: x86",
                    "  iommu_groups:",
                    "    - {id: 1, devices: [\"0000:01:00.0\"]}",
                    "  mdev_parents:",
                    "    - device: \"0000:03:00.0\"",
                    "      types:",
                    "        - {name: good, instances: 2}",
                    "        - {name: leaky, vendor: leaks-on-close}",
                    "        - {name: slow, vendor: no-dma-unmap}",
                    "processes:",
                    "  - name: qemu",
                    "    memlock: 64MiB",
                    "    regions:",
                    "      - {name: ram, vaddr: 0x10_0000_0000, size: 16MiB}",
                    "containers:",
                    "  - {name: vm, iommu: TYPE1v2}",
                    "steps:",
                    "  - mdev_create: {parent: \"0000:03:00.0\", type: good, uuid: 11111111-2222-3333-4444-555555555555, as: vg}",
                    "  - attach: {group: vg}",
                    "  - set_iommu: {}",
                    "  - open_device: {device: vg}",
                    "  - map: {vaddr: ram, iova: 0}",
                    "  - pin: {device: vg, iova: 4KiB, pages: 600, prot: [read]}",
                    "  - unpin: {device: vg, iova: 4KiB, pages: 600}",
                    "  - mdev_create: {parent: \"0000:03:00.0\", type: leaky, uuid: 22222222-2222-3333-4444-555555555555, as: lk}",
                    "  - hotplug: {device: lk}",
                    "  - pin: {device: lk, iova: 0, pages: 5}",
                    "  - hot_unplug: {device: lk}",
                    "  - unmap: {iova: 0, size: 16MiB}",
                    "  - mdev_create: {parent: \"0000:03:00.0\", type: slow, uuid: 33333333-2222-3333-4444-555555555555, as: sl}",
                    "  - pin: {device: sl, iova: 0, pages: 1}",
                    "  - close_device: {device: vg}",
                    "  - pin: {device: vg, iova: 0, pages: 1}",
                    "    expect: {errno: EINVAL}",
                    "  - detach: {group: vg}",
                    "  - mdev_remove: {mdev: vg}",
                    "");

    @Test
    void mdevStepsBecomeTestMdevOperationsInTheirVendorsMode() {
        OraclePlan plan =
                OracleTranslation.plan(List.of(new ScenarioParser().parse("m.yaml", SCENARIO)));
        assertThat(plan.program().scenarios().get(0).ops())
                .extracting(ProbeOp::line)
                .containsExactly(
                        "setup.rl rlimit 0x4000000",
                        "setup.cap cap_ipc_lock 0x0",
                        "setup.r1 mmap 0x1000000000 0x1000000 rw",
                        "s1 mdev_use 0x0 0x0",
                        "s2 mdev_attach 0x0",
                        "s3 set_iommu 0x3",
                        "s4 mdev_open 0x0",
                        "s5 map 0x1000000000 0x0 0x1000000 0x3 0x20",
                        "s6 pin 0x0 0x1000 0x258 0x1 0x200",
                        "s7 unpin 0x0 0x1000 0x258 0x200",
                        "s8 mdev_use 0x1 0x1",
                        "s9a mdev_attach 0x1",
                        "s9o mdev_open 0x1",
                        "s10 pin 0x1 0x0 0x5 0x3 0x200",
                        "s11c mdev_close 0x1",
                        "s11d mdev_detach 0x1",
                        "s15 mdev_close 0x0",
                        "s17 mdev_detach 0x0");
        assertThat(plan.label("m", plan.program().scenarios().get(0).ops().get(3)))
                .isEqualTo(
                        "step 1 (line 21): create mdev vg (good): setup, the guest's test mdev 0 in"
                                + " mode well-behaved");
    }

    @Test
    void whatTheTestDriverCannotDoIsListedWithItsReason() {
        OraclePlan plan =
                OracleTranslation.plan(List.of(new ScenarioParser().parse("m.yaml", SCENARIO)));
        assertThat(plan.unchecked())
                .extracting(OraclePlan.Unchecked::step, OraclePlan.Unchecked::reason)
                .containsExactly(
                        tuple(
                                "step 12 (line 32)",
                                "the kernel BUGs here: the range holds pins a leaking driver left"
                                        + " at its close (step 11 (line 31): hot unplug lk (the"
                                        + " device closes)), which type1 keeps (the model released"
                                        + " them at the detach: deviation T1-1)"),
                        tuple(
                                "step 13 (line 33)",
                                "vendor no-dma-unmap: the test driver's modes are well-behaved,"
                                        + " leaks-on-close, ignores-unmap and unpins-one-page"),
                        tuple(
                                "step 14 (line 34)",
                                "mdev sl is not run (vendor no-dma-unmap: the test driver's"
                                        + " modes are well-behaved, leaks-on-close, ignores-unmap"
                                        + " and unpins-one-page)"),
                        tuple(
                                "step 16 (line 36)",
                                "mdev vg is not open: the probe has no descriptor to pin through"
                                        + " (the model's core answers EINVAL)"),
                        tuple(
                                "step 18 (line 39)",
                                "the guest's test mdevs live for the whole boot: the step frees"
                                        + " test mdev 0 for a later create, and its answer"
                                        + " (available instances) is not compared"));
    }

    @Test
    void aThirdLiveMdevAndAnOpenIgnoringDriverWithPinsAreNotRun() {
        String s =
                SCENARIO.replace("type: slow", "type: good")
                        .replace(
                                "  - pin: {device: sl, iova: 0, pages: 1}",
                                "  - pin: {device: sl, iova: 0, pages: 1}\n  - unmap: {flags: [all]}");
        OraclePlan plan = OracleTranslation.plan(List.of(new ScenarioParser().parse("m.yaml", s)));
        assertThat(plan.unchecked())
                .extracting(OraclePlan.Unchecked::reason)
                .contains(
                        "the guest has two test mdevs, both in use",
                        "mdev sl is not run (the guest has two test mdevs, both in use)");
    }
}
