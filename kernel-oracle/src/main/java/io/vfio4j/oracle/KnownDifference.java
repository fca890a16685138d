package io.vfio4j.oracle;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A difference between the model and a kernel that is understood and written down: a kernel era the
 * model does not have yet, or a deliberate deviation (docs/deviations.md).
 *
 * @param id a stable name, e.g. {@code ZERO-PAGE-6.1}
 * @param kind what it is: a kernel era the model does not have yet, a model bug reported to be
 *     fixed, or a deliberate deviation
 * @param eras the kernel eras where it shows
 * @param ops the probe operations it concerns
 * @param fields the fields that may differ (any other difference is not explained by it)
 * @param reason one sentence
 * @param where the document that lists it
 * @param applies whether it explains this operation's differences
 */
public record KnownDifference(
        String id,
        Kind kind,
        Set<String> eras,
        Set<String> ops,
        Set<String> fields,
        String reason,
        String where,
        Predicate<Case> applies) {
    public KnownDifference {
        eras = Set.copyOf(eras);
        ops = Set.copyOf(ops);
        fields = Set.copyOf(fields);
    }

    boolean explains(Case c) {
        return eras.contains(c.era())
                && ops.contains(c.op().op())
                && !c.diffs().isEmpty()
                && c.diffs().stream().allMatch(d -> fields.contains(d.field()))
                && applies.test(c);
    }

    /**
     * One operation that differs, with locked_vm (KiB) on both sides before it: a difference
     * earlier in the scenario can explain one here (a charge the kernel never made makes the
     * model's RLIMIT_MEMLOCK check refuse what the kernel allows).
     */
    public record Case(
            String era, ProbeOp op, List<FieldDiff> diffs, long modelBefore, long kernelBefore) {
        public Case {
            diffs = List.copyOf(diffs);
        }

        /** The difference in {@code field}, if there is one. */
        public java.util.Optional<FieldDiff> diff(String field) {
            return diffs.stream().filter(d -> d.field().equals(field)).findFirst();
        }
    }

    /** What a listed difference is. */
    public enum Kind {
        /** The kernel era is known to differ and the model does not have it yet. */
        ERA_NOT_MODELLED,
        /** The model is wrong; the fix belongs to the backend's owner. */
        MODEL_BUG,
        /** A deliberate difference, in docs/deviations.md. */
        DEVIATION
    }
}
