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
            "Run scenario files and check each step's expectations.",
            "Each file describes a simulated host, its processes and containers, and steps",
            "run against the real backends. All files are parsed first: a malformed file",
            "stops everything before any step runs.",
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j run examples/scenarios/type1-1-passthrough.yaml",
            "  vfio4j run --json my-vm.yaml > result.json",
            "  vfio4j run -q examples/scenarios/*.yaml    one line per scenario, causes of failures",
            "  vfio4j run --summary my-vm.yaml             verdict and closing summary only",
            "  vfio4j run -Dvfio4j.backend.type1.dma-entry-limit=100 my-vm.yaml",
            "  vfio4j run --record explore.yaml           record the answers of errno: any",
            "  vfio4j run --html r.html my-vm.yaml       also an HTML page with a plot",
            "  vfio4j run --compare type1,iommufd my-vm.yaml   where the backends' answers differ",
            "",
            "The file format is described in docs/scenarios.md.",
            "With --compare each scenario runs once per named backend, made the default backend",
            "(a container whose set_iommu names its backend keeps it); expectations are not",
            "checked and every step runs whatever it answers. Exit 0 when every run completed",
            "(divergences are the report, not a failure), 1 when a step ended in an error on",
            "some backend, 2 for a bad --compare list or --compare with --record.",
            "",
            Vfio4jCommand.EXIT_CODES_0,
            Vfio4jCommand.EXIT_CODES_1,
            Vfio4jCommand.EXIT_CODES_2,
            Vfio4jCommand.EXIT_CODES_3,
            Vfio4jCommand.EXIT_CODES_4,
            Vfio4jCommand.EXIT_CODES_5,
        })
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin ConfigOptions config;

    @CommandLine.Mixin ScenarioOptions options;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files (YAML).")
    List<Path> files = new ArrayList<>();

    @CommandLine.Option(
            names = "--record",
            description =
                    "Observe mode: write what each step expecting 'errno: any' answered back into"
                            + " its FILE as expectations (the rest of the file is kept as it is).")
    boolean record;

    @CommandLine.Option(
            names = "--compare",
            paramLabel = "BACKEND,BACKEND[,...]",
            description =
                    "Run each scenario on each named backend and report the steps where the"
                            + " errno, unmapped size, locked_vm, pinned_vm or the user's locked_vm"
                            + " differ (expectations are not checked).")
    String compare;

    @Override
    public Integer call() {
        // A settings error (a missing --config file, an unknown key) is reported before any file
        // is read: exit 3, as from every subcommand.
        config.configuration();
        List<String> backends = null;
        if (compare != null) {
            try {
                backends = CompareExecution.backends(compare);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("vfio4j: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            if (record) {
                spec.commandLine()
                        .getErr()
                        .println("vfio4j: --compare and --record exclude each other");
                return ExitCodes.USAGE;
            }
        }
        ScenarioParser parser = new ScenarioParser();
        List<Scenario> scenarios = new ArrayList<>();
        for (Path f : files) {
            try {
                scenarios.add(parser.parse(f));
            } catch (ScenarioSyntaxException e) {
                spec.commandLine().getErr().println("vfio4j: invalid scenario: " + e.getMessage());
                return ExitCodes.INVALID_SCENARIO;
            } catch (IOException e) {
                spec.commandLine()
                        .getErr()
                        .println("vfio4j: cannot read " + f + ": " + e.getMessage());
                return ExitCodes.INVALID_SCENARIO;
            }
        }
        if (backends != null) {
            return CompareExecution.run(spec.commandLine(), scenarios, backends, options, config);
        }
        if (!record) {
            return ScenarioExecution.runAll(spec.commandLine(), scenarios, options, config);
        }
        return Recording.run(spec.commandLine(), files, scenarios, options, config);
    }
}
