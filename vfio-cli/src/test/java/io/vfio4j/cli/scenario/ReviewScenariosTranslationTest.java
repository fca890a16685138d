package io.vfio4j.cli.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.oracle.OraclePlan;
import io.vfio4j.oracle.ProbeOp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every device and container step of the shipped review scenarios reaches the real kernels (vfio4j
 * oracle --memory 4864), unless the kernel itself cannot answer it: a kernel BUG, an mdev's life
 * beyond the guest's boot, a second passthrough group. A review scenario left untranslated fails
 * here.
 */
class ReviewScenariosTranslationTest {
    /** The step kinds the oracle must drive. */
    private static final Set<String> DRIVEN =
            Set.of(
                    "attach",
                    "detach",
                    "set_iommu",
                    "map",
                    "unmap",
                    "set_limit",
                    "mdev_create",
                    "open_device",
                    "close_device",
                    "pin",
                    "unpin",
                    "hotplug",
                    "hot_unplug");

    /** The only reasons such a step may stay unchecked: the kernel cannot answer it here. */
    private static final List<String> ALLOWED =
            List.of(
                    "it ends in a kernel BUG",
                    "the kernel BUGs here",
                    "region bar is device",
                    "its IOVA is in a mapping not checked (step 7 (line 31): map bar",
                    "group 2: the guest has one passthrough group",
                    "device 0000:02:00.0 is not in the guest's passthrough group");

    @Test
    void theFiveDeviceCombinationsAreShipped() throws Exception {
        assertThat(ReviewScenarios.files())
                .extracting(p -> p.getFileName().toString())
                .containsExactly(
                        "type1-1-passthrough.yaml",
                        "type1-2-vgpu-only.yaml",
                        "type1-3a-both-before-map.yaml",
                        "type1-3b-vgpu-first.yaml",
                        "type1-4-hotplug-vgpu.yaml",
                        "type1-5-hotplug-passthrough.yaml");
    }

    @Test
    void everyStepTheKernelCanAnswerIsTranslated() throws Exception {
        ScenarioParser parser = new ScenarioParser();
        List<String> missing = new ArrayList<>();
        for (Path f : ReviewScenarios.files()) {
            Scenario s = parser.parse(f);
            OraclePlan plan = OracleTranslation.plan(List.of(s), 4864);
            Set<String> ids =
                    plan.program().scenarios().get(0).ops().stream()
                            .map(ProbeOp::id)
                            .collect(Collectors.toSet());
            for (Step step : s.steps()) {
                if (!DRIVEN.contains(step.op())) {
                    continue;
                }
                String id = "s" + step.number();
                boolean translated =
                        ids.stream().anyMatch(x -> x.equals(id) || x.matches(id + "[a-z]"));
                boolean allowed =
                        plan.unchecked().stream()
                                .filter(u -> u.step().startsWith("step " + step.number() + " "))
                                .anyMatch(u -> ALLOWED.stream().anyMatch(u.reason()::startsWith));
                if (!translated && !allowed) {
                    missing.add(f.getFileName() + " step " + step.number() + " " + step.op());
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void withTheDefaultGuestTheMdevStepsStillRun() throws Exception {
        Scenario s = new ScenarioParser().parse(ReviewScenarios.files().get(1));
        OraclePlan plan = OracleTranslation.plan(List.of(s));
        // type1-2-vgpu-only: no domain, so its 4 GiB of regions are only reserved and every pin
        // runs: 8 pin and unpin steps (step 14, on the device BAR, has no mapping in the guest).
        assertThat(plan.program().scenarios().get(0).ops())
                .filteredOn(o -> o.op().equals("pin") || o.op().equals("unpin"))
                .hasSize(7);
    }
}
