package io.vfio4j.cli;

import io.vfio4j.replay.ComparisonReports;
import io.vfio4j.replay.MemoryLayout;
import io.vfio4j.replay.ReplayComparison;
import io.vfio4j.replay.ReplayInputException;
import io.vfio4j.replay.ReplayOptions;
import io.vfio4j.replay.RuntimeFactory;
import io.vfio4j.report.ReportFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code vfio4j replay --compare A,B TRACE}: the trace once per backend (each named as the
 * container's backend), and the calls whose answers differ. Exit 0 when every replay completed:
 * divergences, refusals and answers unlike the trace's are the report, not a failure.
 */
final class ReplayCompare {
    /** How many diverging calls are listed; all are counted. */
    static final int KEEP = 1000;

    private ReplayCompare() {}

    static int run(
            Path trace,
            Optional<MemoryLayout> memory,
            ReplayOptions options,
            List<String> backends,
            RuntimeFactory runtime,
            boolean json,
            boolean summaryOnly,
            Path html,
            PrintWriter out,
            PrintWriter err)
            throws ReplayInputException {
        ReplayComparison c =
                ReplayComparison.compare(trace, memory, options, backends, runtime, KEEP);
        if (json) {
            try {
                ComparisonReports.json(c, out);
            } catch (IOException e) {
                err.println("vfio4j: cannot write the JSON: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        } else {
            ComparisonReports.text(c, out, summaryOnly);
        }
        if (html != null) {
            try {
                ReportFile.write(html, ComparisonReports.html(c));
            } catch (IOException e) {
                err.println("vfio4j: cannot write " + html + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        return ExitCodes.OK;
    }
}
