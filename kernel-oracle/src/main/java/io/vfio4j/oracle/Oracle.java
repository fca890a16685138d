package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs a plan on kernels and on the model at each kernel's era, and compares them. */
public final class Oracle {
    private final KernelOracle kernels;
    private final List<KnownDifference> known;

    public Oracle(KernelOracle kernels, List<KnownDifference> known) {
        this.kernels = kernels;
        this.known = List.copyOf(known);
    }

    public OracleReport check(String title, OraclePlan plan, List<OracleKernel> which) {
        List<KernelComparison> out = new ArrayList<>();
        for (OracleKernel k : which) {
            KernelRun run = kernels.run(k, plan.program());
            out.add(compare(k, run, plan, known));
        }
        return new OracleReport(title, out, plan.unchecked());
    }

    /** Runs the model at {@code k}'s era and compares it with {@code run}. */
    public static KernelComparison compare(
            OracleKernel k, KernelRun run, OraclePlan plan, List<KnownDifference> known) {
        int group = run.output().group().orElse(1);
        ModelProbe model = new ModelProbe(k.era(), group);
        List<StepComparison> steps = new ArrayList<>();
        List<String> problems = new ArrayList<>(run.output().problems());
        for (ProbeScenario s : plan.program().scenarios()) {
            Optional<ScenarioResults> kr = run.output().scenario(s.name());
            if (kr.isEmpty()) {
                problems.add("scenario " + s.name() + ": no answer from the kernel");
            }
            steps.addAll(Comparator.compare(k.era(), plan, s, model.run(s), kr, known));
        }
        return new KernelComparison(k, run, steps, problems);
    }
}
