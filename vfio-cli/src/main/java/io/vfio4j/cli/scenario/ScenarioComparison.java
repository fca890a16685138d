package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One scenario run on several backends, and the steps where their answers differ: the outcome (ok
 * or errno), the size an unmap reports, and per process {@code locked_vm}, {@code pinned_vm} and
 * the user's {@code locked_vm} after the step.
 *
 * @param backends the backend each run was served by, in the order asked
 * @param runs each backend's result, in the same order (expectations were not checked)
 * @param divergences the steps that differ, in step order
 */
public record ScenarioComparison(
        Scenario scenario,
        List<String> backends,
        List<ScenarioResult> runs,
        List<StepDivergence> divergences) {
    public ScenarioComparison {
        backends = List.copyOf(backends);
        runs = List.copyOf(runs);
        divergences = List.copyOf(divergences);
    }

    /** What is compared after each step. */
    public enum Kind {
        RESULT("result"),
        UNMAPPED("unmapped"),
        LOCKED_VM("locked_vm"),
        PINNED_VM("pinned_vm"),
        USER_LOCKED_VM("user_locked_vm");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The name in the text and JSON reports. */
        public String label() {
            return label;
        }
    }

    /**
     * One value that differs.
     *
     * @param process the process whose counter it is, empty for the result and the unmapped size
     * @param values one per backend: the outcome, or a number (bytes for unmapped, pages for the
     *     counters); "-" where the step did not run (skipped after a BUG, or no such result)
     */
    public record Difference(Kind kind, String process, List<String> values) {
        public Difference {
            values = List.copyOf(values);
        }
    }

    /** A step whose answers differ between the backends. */
    public record StepDivergence(
            int number, int line, String description, List<Difference> differences) {
        public StepDivergence {
            differences = List.copyOf(differences);
        }
    }

    /** Compares runs of {@code scenario}, one per backend. */
    public static ScenarioComparison of(
            Scenario scenario, List<String> backends, List<ScenarioResult> runs) {
        List<StepDivergence> out = new ArrayList<>();
        for (Step step : scenario.steps()) {
            List<StepResult> at = new ArrayList<>();
            for (ScenarioResult r : runs) {
                at.add(r.steps().size() >= step.number() ? r.steps().get(step.number() - 1) : null);
            }
            List<Difference> diffs = new ArrayList<>();
            add(diffs, Kind.RESULT, "", at, s -> s.outcome());
            add(
                    diffs,
                    Kind.UNMAPPED,
                    "",
                    at,
                    s -> {
                        Object u = s.results().get("unmapped");
                        return u == null ? "-" : String.valueOf(u);
                    });
            for (String p : processes(at)) {
                add(diffs, Kind.LOCKED_VM, p, at, s -> count(s.lockedVm(), p));
                add(diffs, Kind.PINNED_VM, p, at, s -> count(s.pinnedVm(), p));
                add(diffs, Kind.USER_LOCKED_VM, p, at, s -> count(s.userLockedVm(), p));
            }
            if (!diffs.isEmpty()) {
                out.add(
                        new StepDivergence(
                                step.number(), step.line(), step.action().describe(), diffs));
            }
        }
        return new ScenarioComparison(scenario, backends, runs, out);
    }

    /** How many steps diverge in each kind of value (a step counts once per kind). */
    public Map<Kind, Integer> stepsByKind() {
        Map<Kind, Integer> out = new EnumMap<>(Kind.class);
        for (StepDivergence d : divergences) {
            d.differences().stream()
                    .map(Difference::kind)
                    .distinct()
                    .forEach(k -> out.merge(k, 1, Integer::sum));
        }
        return out;
    }

    /** Whether every backend's run started and no step ended in an error. */
    public boolean complete() {
        return runs.stream()
                .allMatch(
                        r ->
                                r.setupError() == null
                                        && r.steps().stream()
                                                .noneMatch(s -> !s.failures().isEmpty()));
    }

    private static TreeSet<String> processes(List<StepResult> at) {
        TreeSet<String> out = new TreeSet<>();
        for (StepResult s : at) {
            if (s != null) {
                out.addAll(s.lockedVm().keySet());
            }
        }
        return out;
    }

    private static String count(Map<String, Long> m, String process) {
        Long v = m.get(process);
        return v == null ? "-" : String.valueOf(v);
    }

    private static void add(
            List<Difference> diffs,
            Kind kind,
            String process,
            List<StepResult> at,
            Function<StepResult, String> value) {
        List<String> values = new ArrayList<>();
        for (StepResult s : at) {
            values.add(s == null || s.status() == StepResult.Status.SKIPPED ? "-" : value.apply(s));
        }
        if (values.stream().distinct().count() > 1) {
            diffs.add(new Difference(kind, process, values));
        }
    }
}
