package io.vfio4j.cli;

import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.cli.scenario.HtmlReport;
import io.vfio4j.cli.scenario.JsonReport;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.StepResult;
import io.vfio4j.cli.scenario.TracePrinter;
import io.vfio4j.report.ReportFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine;

/** Runs parsed scenarios and prints them: the shared body of {@code run} and {@code demo}. */
final class ScenarioExecution {
    private ScenarioExecution() {}

    /**
     * Runs every scenario and returns the exit code: 3 if the configuration is refused (checked for
     * every scenario before any runs, or by a backend at SET_IOMMU), 4 if a scenario's host cannot
     * be built, 1 if a step failed, else 0.
     */
    static int runAll(
            CommandLine cl,
            List<Scenario> scenarios,
            ScenarioOptions options,
            ConfigOptions config) {
        return runAll(cl, scenarios, options, config, results -> {});
    }

    /** As above; {@code after} sees every result before the exit code is decided. */
    static int runAll(
            CommandLine cl,
            List<Scenario> scenarios,
            ScenarioOptions options,
            ConfigOptions config,
            Consumer<List<ScenarioResult>> after) {
        ScenarioRunner runner = new ScenarioRunner(config::configuration, options.checkInvariants);
        PrintWriter err = cl.getErr();
        for (Scenario s : scenarios) {
            try {
                runner.checkConfiguration(s);
            } catch (VfioConfigurationException e) {
                err.println("vfio4j: configuration error: " + s.source() + ": " + e.getMessage());
                err.flush();
                return ExitCodes.CONFIGURATION;
            }
        }
        PrintWriter out = cl.getOut();
        TracePrinter printer =
                new TracePrinter(
                        out, cl.getColorScheme().ansi(), !options.summaryOnly && !options.quiet);
        QuietPrinter quiet = new QuietPrinter(out);
        List<ScenarioResult> results = new ArrayList<>();
        for (Scenario s : scenarios) {
            ScenarioResult r = runner.run(s);
            results.add(r);
            if (options.json) {
                continue;
            }
            if (options.quiet) {
                quiet.print(r);
            } else {
                printer.print(r);
            }
            out.flush();
        }
        boolean passed = results.stream().allMatch(ScenarioResult::passed);
        if (options.json) {
            out.println(JsonReport.write(results));
        } else if (results.size() > 1 && !options.quiet) {
            long ok = results.stream().filter(ScenarioResult::passed).count();
            out.println(
                    cl.getColorScheme()
                            .ansi()
                            .string(
                                    (passed ? "@|bold,green " : "@|bold,red ")
                                            + ok
                                            + " of "
                                            + results.size()
                                            + " scenarios passed|@"));
        }
        out.flush();
        after.accept(results);
        int code = exitCode(results, err);
        if (options.html != null && !writeHtml(options.html, results, err)) {
            return code == ExitCodes.OK ? ExitCodes.USAGE : code;
        }
        return code;
    }

    private static boolean writeHtml(Path file, List<ScenarioResult> results, PrintWriter err) {
        try {
            ReportFile.write(file, HtmlReport.write(results));
            return true;
        } catch (IOException e) {
            err.println("vfio4j: cannot write " + file + ": " + e.getMessage());
            err.flush();
            return false;
        }
    }

    /** Configuration error (3) before a host that cannot be built (4) before a failure (1). */
    private static int exitCode(List<ScenarioResult> results, PrintWriter err) {
        boolean configuration = false;
        boolean invalid = false;
        boolean failed = false;
        for (ScenarioResult r : results) {
            String source = r.scenario().source();
            if (r.setupError() != null) {
                err.println("vfio4j: invalid scenario: " + source + ": " + r.setupError());
                invalid = true;
            }
            for (StepResult s : r.steps()) {
                if (s.outcome().equals(StepResult.CONFIGURATION_ERROR)) {
                    err.println(
                            "vfio4j: configuration error: "
                                    + source
                                    + ":"
                                    + s.step().line()
                                    + ": step "
                                    + s.step().number()
                                    + " ("
                                    + s.step().op()
                                    + "): "
                                    + s.message());
                    configuration = true;
                }
            }
            failed |= !r.passed();
        }
        err.flush();
        if (configuration) {
            return ExitCodes.CONFIGURATION;
        }
        if (invalid) {
            return ExitCodes.INVALID_SCENARIO;
        }
        return failed ? ExitCodes.FAILED : ExitCodes.OK;
    }
}
