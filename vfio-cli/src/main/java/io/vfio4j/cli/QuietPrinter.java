package io.vfio4j.cli;

import io.vfio4j.cli.scenario.ScenarioResult;
import io.vfio4j.cli.scenario.StepResult;
import java.io.PrintWriter;

/**
 * The {@code -q} output: one verdict line per scenario; a failed scenario adds each failed step
 * with what went wrong, so being quiet never hides why a run failed.
 */
final class QuietPrinter {
    private final PrintWriter out;

    QuietPrinter(PrintWriter out) {
        this.out = out;
    }

    void print(ScenarioResult r) {
        String name = r.scenario().name();
        if (r.setupError() != null) {
            out.println("FAILED " + name + ": could not start: " + r.setupError());
            return;
        }
        if (r.passed()) {
            out.println("PASSED " + name + " (" + r.steps().size() + " steps)");
            return;
        }
        out.println(
                "FAILED "
                        + name
                        + " ("
                        + r.count(StepResult.Status.FAILED)
                        + " of "
                        + r.steps().size()
                        + " steps failed)");
        for (StepResult s : r.steps()) {
            if (s.status() != StepResult.Status.FAILED) {
                continue;
            }
            String where =
                    "  "
                            + r.scenario().source()
                            + ":"
                            + s.step().line()
                            + ": step "
                            + s.step().number()
                            + " ("
                            + s.step().op()
                            + "): ";
            for (String f : s.failures()) {
                out.println(where + f);
            }
        }
    }
}
