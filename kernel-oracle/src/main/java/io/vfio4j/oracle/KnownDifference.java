package io.vfio4j.oracle;

import java.util.Set;
import java.util.function.BiPredicate;

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
 * @param applies whether it applies to this operation and its diff
 */
public record KnownDifference(
        String id,
        Kind kind,
        Set<String> eras,
        Set<String> ops,
        Set<String> fields,
        String reason,
        String where,
        BiPredicate<ProbeOp, FieldDiff> applies) {
    public KnownDifference {
        eras = Set.copyOf(eras);
        ops = Set.copyOf(ops);
        fields = Set.copyOf(fields);
    }

    boolean explains(String era, ProbeOp o, java.util.List<FieldDiff> diffs) {
        return eras.contains(era)
                && ops.contains(o.op())
                && !diffs.isEmpty()
                && diffs.stream().allMatch(d -> fields.contains(d.field()) && applies.test(o, d));
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
