package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Shrinks a scenario in which one operation differs to a shorter one in which it still does, by
 * removing operations before it (delta debugging by chunks): each round tries, as scenarios of one
 * boot, the removal of every chunk of the current size, keeps the first removal after which the
 * operation still differs unexplained, and halves the chunk size when none does; it stops at chunks
 * of one operation that no removal survives.
 */
public final class Shrinker {
    private Shrinker() {}

    /**
     * @param failing the scenario and the id of the operation that differs
     * @param check runs a program (one boot) and returns the names of the scenarios in which
     *     operation {@code id} differs unexplained
     * @param maxRounds a bound on the boots
     */
    public static ProbeScenario shrink(
            ProbeScenario failing,
            String id,
            Function<ProbeProgram, List<String>> check,
            int maxRounds) {
        ProbeScenario best = cut(failing, id);
        int chunk = Math.max(1, (best.ops().size() - 1) / 2);
        for (int round = 0; round < maxRounds; round++) {
            List<ProbeScenario> candidates = new ArrayList<>();
            int last = best.ops().size() - 1; // the differing operation stays
            for (int from = 0; from < last; from += chunk) {
                List<ProbeOp> ops = new ArrayList<>(best.ops().subList(0, from));
                ops.addAll(best.ops().subList(Math.min(from + chunk, last), best.ops().size()));
                candidates.add(new ProbeScenario(failing.name() + "-r" + round + "-" + from, ops));
            }
            if (candidates.isEmpty()) {
                break;
            }
            List<String> still = check.apply(new ProbeProgram(candidates));
            Optional<ProbeScenario> smaller =
                    candidates.stream().filter(c -> still.contains(c.name())).findFirst();
            if (smaller.isPresent()) {
                best = new ProbeScenario(failing.name() + "-min", smaller.get().ops());
                chunk = Math.min(chunk, Math.max(1, (best.ops().size() - 1) / 2));
            } else if (chunk > 1) {
                chunk /= 2;
            } else {
                break;
            }
        }
        return best;
    }

    /** The scenario up to and including operation {@code id}. */
    static ProbeScenario cut(ProbeScenario s, String id) {
        List<ProbeOp> ops = new ArrayList<>();
        for (ProbeOp op : s.ops()) {
            ops.add(op);
            if (op.id().equals(id)) {
                break;
            }
        }
        return new ProbeScenario(s.name() + "-min", ops);
    }
}
