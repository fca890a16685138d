package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.BuiltinScenarios;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.StepResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every shipped scenario passes, and the two copies of the files are identical. */
class ShippedScenariosTest {
    /** vfio-cli's directory when Maven runs the tests; the repository root is its parent. */
    private static final Path RESOURCES = Path.of("src/main/resources/scenarios");

    private static final Path EXAMPLES = Path.of("../examples/scenarios");

    @TestFactory
    Stream<DynamicTest> everyShippedScenarioPasses() {
        List<Scenario> all = BuiltinScenarios.parseAll();
        assertThat(all).hasSizeGreaterThanOrEqualTo(8);
        ScenarioRunner runner = ScenarioRunner.standalone(true);
        return all.stream()
                .map(
                        s ->
                                DynamicTest.dynamicTest(
                                        s.name(),
                                        () -> {
                                            ScenarioResult r = runner.run(s);
                                            assertThat(r.setupError()).isNull();
                                            List<String> failures =
                                                    r.steps().stream()
                                                            .flatMap(
                                                                    x ->
                                                                            x.failures().stream()
                                                                                    .map(
                                                                                            f ->
                                                                                                    "step "
                                                                                                            + x.step()
                                                                                                                    .number()
                                                                                                            + ": "
                                                                                                            + f))
                                                            .collect(Collectors.toList());
                                            assertThat(failures).isEmpty();
                                            assertThat(r.count(StepResult.Status.PASSED))
                                                    .isEqualTo(s.steps().size());
                                        }));
    }

    @Test
    void theIndexListsEveryShippedFileAndTheExampleCopiesAreIdentical() throws IOException {
        List<String> listed = BuiltinScenarios.names();
        List<String> inResources;
        try (Stream<Path> files = Files.list(RESOURCES)) {
            inResources =
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".yaml"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        List<String> inExamples;
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            inExamples =
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".yaml"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(inResources);
        assertThat(inExamples).as("examples/scenarios/*.yaml").isEqualTo(inResources);
        for (String name : inResources) {
            assertThat(Files.readAllBytes(EXAMPLES.resolve(name)))
                    .as(
                            "examples/scenarios/%s must be byte-identical to the shipped resource",
                            name)
                    .isEqualTo(Files.readAllBytes(RESOURCES.resolve(name)));
        }
    }

    @Test
    void theFiveDeviceCombinationsAndSpaprFlowsAreShipped() {
        assertThat(BuiltinScenarios.parseAll().stream().map(Scenario::name))
                .contains(
                        "type1-1-passthrough",
                        "type1-2-vgpu-only",
                        "type1-3a-both-before-map",
                        "type1-3b-vgpu-first",
                        "type1-4-hotplug-vgpu",
                        "type1-5-hotplug-passthrough",
                        "spapr-v2-qemu",
                        "spapr-v1");
    }
}
