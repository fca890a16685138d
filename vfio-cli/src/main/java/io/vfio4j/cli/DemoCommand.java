package io.vfio4j.cli;

import io.vfio4j.cli.scenario.BuiltinScenarios;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vfio4j demo}: run the built-in scenarios. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the built-in scenarios with a trace and a summary.",
            "They are the five device combinations of the 2016 VFIO mdev review on type1",
            "(passthrough only, vGPU only, both, hot plug of either) and SPAPR TCE flows on",
            "a POWER host (a QEMU-like v2 flow and a v1 flow). Each prints a per-step trace",
            "and a closing summary of locked_vm, pins and mappings.",
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j demo                          every built-in scenario",
            "  vfio4j demo --list                   their names",
            "  vfio4j demo type1-2-vgpu-only        one of them (name with or without .yaml)",
            "  vfio4j demo -q                       one verdict line per scenario",
            "  vfio4j demo --summary                verdicts and closing summaries",
            "  vfio4j demo --json                   machine-readable results",
            "",
            "The same files are in examples/scenarios/; copy one to start your own.",
            "",
            Vfio4jCommand.EXIT_CODES_0,
            Vfio4jCommand.EXIT_CODES_1,
            Vfio4jCommand.EXIT_CODES_2,
            Vfio4jCommand.EXIT_CODES_3,
            Vfio4jCommand.EXIT_CODES_4,
            Vfio4jCommand.EXIT_CODES_5,
        })
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin ConfigOptions config;

    @CommandLine.Mixin ScenarioOptions options;

    @Option(names = "--list", description = "List the built-in scenarios and exit.")
    boolean list;

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Run only these scenarios.")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        config.configuration();
        List<Scenario> all;
        try {
            all = BuiltinScenarios.parseAll();
        } catch (ScenarioSyntaxException e) {
            spec.commandLine()
                    .getErr()
                    .println("vfio4j: invalid built-in scenario: " + e.getMessage());
            return ExitCodes.INVALID_SCENARIO;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (Scenario s : all) {
                out.println(String.format("%-32s %s", s.name(), s.title()));
            }
            out.flush();
            return ExitCodes.OK;
        }
        List<Scenario> chosen = new ArrayList<>();
        for (String n : names) {
            String name = n.endsWith(".yaml") ? n.substring(0, n.length() - 5) : n;
            Scenario s = all.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
            if (s == null) {
                spec.commandLine()
                        .getErr()
                        .println(
                                "vfio4j: no built-in scenario '"
                                        + n
                                        + "'; built-in: "
                                        + String.join(
                                                ", ", all.stream().map(Scenario::name).toList()));
                return ExitCodes.USAGE;
            }
            chosen.add(s);
        }
        return ScenarioExecution.runAll(
                spec.commandLine(), chosen.isEmpty() ? all : chosen, options, config);
    }
}
