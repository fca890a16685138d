package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares the model's answers with a kernel's, operation by operation: the errno, every named
 * result both report (unmapped size, extension value, GET_INFO fields and capabilities, dirty
 * bits), and the change in locked_vm the operation made.
 */
public final class Comparator {
    private Comparator() {}

    public static List<StepComparison> compare(
            String era,
            OraclePlan plan,
            ProbeScenario scenario,
            ScenarioResults model,
            Optional<ScenarioResults> kernel,
            List<KnownDifference> known) {
        List<StepComparison> out = new ArrayList<>();
        long modelBefore = 0;
        long kernelBefore = 0;
        Optional<KnownDifference> diverged = Optional.empty();
        for (ProbeOp op : scenario.ops()) {
            Optional<ProbeResult> m = model.result(op.id());
            Optional<ProbeResult> k = kernel.flatMap(r -> r.result(op.id()));
            String label = plan.label(scenario.name(), op);
            if (m.isEmpty() && k.isEmpty()) {
                continue; // neither ran it: after an exit
            }
            if (m.isEmpty() || k.isEmpty()) {
                out.add(
                        new StepComparison(
                                scenario.name(),
                                op,
                                label,
                                m,
                                k,
                                List.of(),
                                Verdict.MISSING,
                                Optional.empty()));
                continue;
            }
            List<FieldDiff> diffs = diff(m.get(), k.get(), modelBefore, kernelBefore);
            KnownDifference.Case c =
                    new KnownDifference.Case(era, op, diffs, modelBefore, kernelBefore);
            modelBefore = m.get().lockedKb();
            kernelBefore = k.get().lockedKb();
            Verdict v = Verdict.AGREE;
            Optional<KnownDifference> why = Optional.empty();
            if (!diffs.isEmpty()) {
                why = known.stream().filter(d -> d.explains(c)).findFirst();
                v = why.isPresent() ? Verdict.KNOWN : Verdict.DIFFERENT;
                if (why.isEmpty() && diverged.isPresent()) {
                    why = diverged;
                    v = Verdict.FOLLOWS;
                }
                if (v == Verdict.KNOWN && diffs.stream().anyMatch(d -> d.field().equals("errno"))) {
                    diverged = why; // one side changed its state, the other did not
                }
            }
            out.add(new StepComparison(scenario.name(), op, label, m, k, diffs, v, why));
        }
        return out;
    }

    static List<FieldDiff> diff(ProbeResult m, ProbeResult k, long modelBefore, long kernelBefore) {
        List<FieldDiff> diffs = new ArrayList<>();
        if (!m.errno().equals(k.errno())) {
            diffs.add(new FieldDiff("errno", m.errno(), k.errno()));
        }
        long dm = m.lockedKb() - modelBefore;
        long dk = k.lockedKb() - kernelBefore;
        if (dm != dk) {
            diffs.add(new FieldDiff("locked_vm", signed(dm), signed(dk)));
        }
        for (String key : new TreeSet<>(union(m.values(), k.values()))) {
            String a = m.values().getOrDefault(key, "");
            String b = k.values().getOrDefault(key, "");
            if (!a.equals(b)) {
                diffs.add(new FieldDiff(key, a, b));
            }
        }
        return diffs;
    }

    /** A locked_vm change in KiB, with its sign: {@code +4096}, {@code -16384}, {@code 0}. */
    static String signed(long kb) {
        return kb > 0 ? "+" + kb : Long.toString(kb);
    }

    private static List<String> union(Map<String, String> a, Map<String, String> b) {
        List<String> keys = new ArrayList<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }
}
