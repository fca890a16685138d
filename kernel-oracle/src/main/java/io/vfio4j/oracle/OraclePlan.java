package io.vfio4j.oracle;

import java.util.List;
import java.util.Map;

/**
 * What to check: the probe program, a label for each operation (e.g. the scenario step it came
 * from), and the steps that a real host cannot perform, each with the reason.
 */
public record OraclePlan(
        ProbeProgram program, Map<String, String> labels, List<Unchecked> unchecked) {
    public OraclePlan {
        labels = Map.copyOf(labels);
        unchecked = List.copyOf(unchecked);
    }

    public static OraclePlan of(ProbeProgram program) {
        return new OraclePlan(program, Map.of(), List.of());
    }

    /** A label key: scenario and operation id. */
    public static String key(String scenario, String id) {
        return scenario + "/" + id;
    }

    public String label(String scenario, ProbeOp op) {
        return labels.getOrDefault(key(scenario, op.id()), op.line());
    }

    /** A step the oracle does not check, and why (mdev, SPAPR, a second process ...). */
    public record Unchecked(String scenario, String step, String reason) {}
}
