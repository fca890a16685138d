package io.vfio4j.oracle;

import java.util.List;

/**
 * The model against one kernel.
 *
 * @param run the kernel's boot (package, release, wall time)
 * @param steps every compared operation
 * @param problems what went wrong in the guest (a scenario that could not open the group ...)
 */
public record KernelComparison(
        OracleKernel kernel, KernelRun run, List<StepComparison> steps, List<String> problems) {
    public KernelComparison {
        steps = List.copyOf(steps);
        problems = List.copyOf(problems);
    }

    public long count(Verdict v) {
        return steps.stream().filter(s -> s.verdict() == v).count();
    }

    /** No unexplained difference, no missing answer, no problem. */
    public boolean passed() {
        return problems.isEmpty() && count(Verdict.DIFFERENT) == 0 && count(Verdict.MISSING) == 0;
    }
}
