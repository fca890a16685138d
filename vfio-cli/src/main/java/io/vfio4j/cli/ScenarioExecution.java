package io.vfio4j.cli;

import io.vfio4j.cli.scenario.JsonReport;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.ScenarioRunner;
import io.vfio4j.cli.scenario.TracePrinter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs parsed scenarios and prints them: the shared body of {@code run} and {@code demo}. */
final class ScenarioExecution {
    private ScenarioExecution() {}

    static int runAll(
            CommandLine cl,
            List<Scenario> scenarios,
            ScenarioOptions options,
            ConfigOptions config) {
        ScenarioRunner runner = new ScenarioRunner(config::configuration, options.checkInvariants);
        PrintWriter out = cl.getOut();
        TracePrinter printer =
                new TracePrinter(out, cl.getColorScheme().ansi(), !options.summaryOnly);
        List<ScenarioResult> results = new ArrayList<>();
        for (Scenario s : scenarios) {
            ScenarioResult r = runner.run(s);
            results.add(r);
            if (!options.json) {
                printer.print(r);
                out.flush();
            }
        }
        boolean passed = results.stream().allMatch(ScenarioResult::passed);
        if (options.json) {
            out.println(JsonReport.write(results));
        } else if (results.size() > 1) {
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
        return passed ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
