package io.vfio4j.cli;

import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.cli.scenario.ComparisonHtml;
import io.vfio4j.cli.scenario.ComparisonJson;
import io.vfio4j.cli.scenario.ComparisonText;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioComparison;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.report.ReportFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code vfio4j run --compare A,B FILE...}: each scenario once per backend, the backend made the
 * default ({@code vfio4j.backend.default}, over every other source), so that every container whose
 * set_iommu names no backend is served by it; a container that names its backend keeps it.
 * Expectations are not checked: every step runs whatever it answers.
 */
final class CompareExecution {
    private CompareExecution() {}

    /** Splits and checks {@code --compare}: two or more distinct names. */
    static List<String> backends(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            String name = s.trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException(
                        "--compare: an empty backend name in '" + list + "'");
            }
            if (out.contains(name)) {
                throw new IllegalArgumentException("--compare: '" + name + "' is named twice");
            }
            out.add(name);
        }
        if (out.size() < 2) {
            throw new IllegalArgumentException(
                    "--compare: name at least two backends, e.g. --compare type1,iommufd");
        }
        return out;
    }

    /**
     * Runs and prints; exit 3 if a backend's configuration is refused, 4 if a scenario's host
     * cannot be built, 1 if a step ended in an error on some backend, else 0 (divergences are the
     * report, not a failure).
     */
    static int run(
            CommandLine cl,
            List<Scenario> scenarios,
            List<String> backends,
            ScenarioOptions options,
            ConfigOptions config) {
        PrintWriter err = cl.getErr();
        List<ScenarioRunner> runners = new ArrayList<>();
        for (String b : backends) {
            Map<String, String> forced = Map.of(VfioConfiguration.DEFAULT_BACKEND, b);
            ScenarioRunner runner =
                    new ScenarioRunner(
                                    keys -> config.configuration(keys, forced),
                                    options.checkInvariants)
                            .withoutExpectations();
            for (Scenario s : scenarios) {
                try {
                    runner.checkConfiguration(s);
                } catch (VfioConfigurationException e) {
                    err.println(
                            "vfio4j: configuration error: "
                                    + s.source()
                                    + " on "
                                    + b
                                    + ": "
                                    + e.getMessage());
                    err.flush();
                    return ExitCodes.CONFIGURATION;
                }
            }
            runners.add(runner);
        }
        PrintWriter out = cl.getOut();
        List<ScenarioComparison> comparisons = new ArrayList<>();
        for (Scenario s : scenarios) {
            List<ScenarioResult> runs = new ArrayList<>();
            for (ScenarioRunner r : runners) {
                runs.add(r.run(s));
            }
            ScenarioComparison c = ScenarioComparison.of(s, backends, runs);
            comparisons.add(c);
            if (options.json) {
                continue;
            }
            if (options.quiet || options.summaryOnly) {
                out.println(s.name() + ": " + ComparisonText.summary(c));
            } else {
                ComparisonText.lines(c).forEach(out::println);
            }
            out.flush();
        }
        if (options.json) {
            out.println(ComparisonJson.write(backends, comparisons));
        }
        out.flush();
        int code = exitCode(backends, comparisons, err);
        if (options.html != null) {
            try {
                ReportFile.write(options.html, ComparisonHtml.write(backends, comparisons));
            } catch (IOException e) {
                err.println("vfio4j: cannot write " + options.html + ": " + e.getMessage());
                err.flush();
                return code == ExitCodes.OK ? ExitCodes.USAGE : code;
            }
        }
        return code;
    }

    private static int exitCode(
            List<String> backends, List<ScenarioComparison> comparisons, PrintWriter err) {
        boolean configuration = false;
        boolean invalid = false;
        boolean failed = false;
        for (ScenarioComparison c : comparisons) {
            for (int i = 0; i < c.runs().size(); i++) {
                ScenarioResult r = c.runs().get(i);
                String where = c.scenario().source() + " on " + backends.get(i);
                if (r.setupError() != null) {
                    err.println("vfio4j: invalid scenario: " + where + ": " + r.setupError());
                    invalid = true;
                }
                for (var s : r.steps()) {
                    for (String f : s.failures()) {
                        boolean conf =
                                s.outcome()
                                        .equals(
                                                io.vfio4j.cli.scenario.StepResult
                                                        .CONFIGURATION_ERROR);
                        err.println(
                                "vfio4j: "
                                        + (conf ? "configuration error" : "error")
                                        + ": "
                                        + where
                                        + ":"
                                        + s.step().line()
                                        + ": step "
                                        + s.step().number()
                                        + " ("
                                        + s.step().op()
                                        + "): "
                                        + f);
                        configuration |= conf;
                        failed |= !conf;
                    }
                }
            }
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
