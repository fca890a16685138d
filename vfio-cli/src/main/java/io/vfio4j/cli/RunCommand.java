package io.vfio4j.cli;

import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vfio4j run FILE...}: run scenario files. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run scenario files: build the simulated host they describe, run every step",
            "against the real backends, and check each step's expectations.",
            "All files are parsed first; a malformed file stops everything before any step runs.",
        },
        footer = {
            "",
            "Exit codes: 0 all passed, 1 a step failed or an expectation did not hold,",
            "            3 configuration error, 4 malformed or unreadable scenario file.",
            "",
            "Examples:",
            "  vfio4j run examples/scenarios/type1-1-passthrough.yaml",
            "  vfio4j run --json my-vm.yaml > result.json",
            "  vfio4j run -q examples/scenarios/*.yaml          verdicts and summaries only",
            "  vfio4j run -Dvfio4j.backend.type1.dma-entry-limit=100 my-vm.yaml",
            "",
            "The file format is described in docs/scenarios.md.",
        })
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin ConfigOptions config;

    @CommandLine.Mixin ScenarioOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files (YAML).")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
        ScenarioParser parser = new ScenarioParser();
        List<Scenario> scenarios = new ArrayList<>();
        for (Path f : files) {
            try {
                scenarios.add(parser.parse(f));
            } catch (ScenarioSyntaxException e) {
                spec.commandLine().getErr().println("vfio4j: invalid scenario: " + e.getMessage());
                return ExitCodes.INVALID_SCENARIO;
            } catch (IOException e) {
                spec.commandLine().getErr().println("vfio4j: cannot read " + f + ": " + e);
                return ExitCodes.INVALID_SCENARIO;
            }
        }
        return ScenarioExecution.runAll(spec.commandLine(), scenarios, options, config);
    }
}
