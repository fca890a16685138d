package io.vfio4j.oracle;

import java.util.List;
import java.util.Optional;

/**
 * One operation on the model and on a kernel.
 *
 * @param label what the operation is, e.g. the scenario step it came from
 * @param model the model's answer (empty if the model stopped before it)
 * @param kernel the kernel's answer (empty if the kernel gave none)
 * @param diffs the fields that differ; {@code locked_vm} is compared as the change the operation
 *     made, so one difference does not repeat in every later step
 * @param known the listed difference that explains {@code diffs}, if any
 */
public record StepComparison(
        String scenario,
        ProbeOp op,
        String label,
        Optional<ProbeResult> model,
        Optional<ProbeResult> kernel,
        List<FieldDiff> diffs,
        Verdict verdict,
        Optional<KnownDifference> known) {
    public StepComparison {
        diffs = List.copyOf(diffs);
    }
}
