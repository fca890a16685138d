package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.cli.scenario.BuiltinScenarios;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.StepKinds;
import io.vfio4j.cli.scenario.StepResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every step kind runs, successfully, against the real backends in some scenario. */
class StepCoverageTest {
    @Test
    void everyStepKindIsExecutedAgainstTheRealBackends() throws IOException {
        List<Scenario> all = new ArrayList<>(BuiltinScenarios.parseAll());
        all.add(
                new ScenarioParser()
                        .parse(Path.of(CommandLineTest.TEST_SCENARIOS + "two-vms.yaml")));
        ScenarioRunner runner = ScenarioRunner.standalone(true);
        Set<String> executed = new TreeSet<>();
        for (Scenario s : all) {
            ScenarioResult r = runner.run(s);
            assertThat(r.passed()).as(s.name()).isTrue();
            for (StepResult sr : r.steps()) {
                if (sr.status() == StepResult.Status.PASSED && sr.outcome().equals("ok")) {
                    executed.add(sr.step().op());
                }
            }
        }
        Set<String> kinds = new TreeSet<>(StepKinds.summaries().keySet());
        kinds.removeAll(executed);
        assertThat(kinds).as("step kinds never executed successfully").isEmpty();
    }
}
