package io.vfio4j.cli;

import picocli.CommandLine.Option;

/** Options shared by {@code run} and {@code demo}. */
final class ScenarioOptions {
    @Option(names = "--json", description = "Print the results as JSON instead of the trace.")
    boolean json;

    @Option(
            names = "--html",
            paramLabel = "FILE",
            description =
                    "Also write the results as one self-contained HTML page: each scenario's"
                            + " summary, locked_vm step by step, and its steps.")
    java.nio.file.Path html;

    @Option(
            names = "--check-invariants",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Prove the accounting invariants after every operation (default: on; "
                            + "--no-check-invariants turns it off).")
    boolean checkInvariants = true;

    @Option(
            names = "--summary",
            description = "Print each scenario's verdict and closing summary, not every step.")
    boolean summaryOnly;

    @Option(
            names = {"-q", "--quiet"},
            description =
                    "Print one verdict line per scenario, and for a failed one each failed step"
                            + " with its cause; errors are always printed.")
    boolean quiet;
}
