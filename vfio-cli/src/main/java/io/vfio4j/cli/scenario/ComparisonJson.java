package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Comparisons as JSON: {@code {"backends": [...], "expectationsChecked": false, "scenarios":
 * [...]}}, each scenario with its diverging steps and, per difference, one value per backend (an
 * outcome string; bytes for unmapped and pages for the counters as integers; null where the step
 * did not run).
 */
public final class ComparisonJson {
    private ComparisonJson() {}

    public static String write(List<String> backends, List<ScenarioComparison> comparisons) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("backends", backends);
        root.put("expectationsChecked", false);
        List<Object> list = new ArrayList<>();
        for (ScenarioComparison c : comparisons) {
            list.add(scenario(c));
        }
        root.put("scenarios", list);
        return PrettyJson.write(root);
    }

    private static Map<String, Object> scenario(ScenarioComparison c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.scenario().name());
        m.put("title", c.scenario().title());
        m.put("source", c.scenario().source());
        m.put("steps", c.scenario().steps().size());
        Map<String, Object> errors = new LinkedHashMap<>();
        for (int i = 0; i < c.runs().size(); i++) {
            ScenarioResult r = c.runs().get(i);
            List<String> e = new ArrayList<>();
            if (r.setupError() != null) {
                e.add("could not start: " + r.setupError());
            }
            for (StepResult s : r.steps()) {
                s.failures().forEach(f -> e.add("step " + s.step().number() + ": " + f));
            }
            if (!e.isEmpty()) {
                errors.put(c.backends().get(i), e);
            }
        }
        m.put("errors", errors);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("divergingSteps", c.divergences().size());
        Map<String, Object> byKind = new LinkedHashMap<>();
        c.stepsByKind().forEach((k, n) -> byKind.put(k.label(), n));
        summary.put("byKind", byKind);
        m.put("summary", summary);
        List<Object> steps = new ArrayList<>();
        for (ScenarioComparison.StepDivergence d : c.divergences()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("number", d.number());
            sm.put("line", d.line());
            sm.put("description", d.description());
            List<Object> diffs = new ArrayList<>();
            for (ScenarioComparison.Difference f : d.differences()) {
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("kind", f.kind().label());
                if (!f.process().isEmpty()) {
                    fm.put("process", f.process());
                }
                Map<String, Object> values = new LinkedHashMap<>();
                for (int i = 0; i < f.values().size(); i++) {
                    values.put(c.backends().get(i), value(f.kind(), f.values().get(i)));
                }
                fm.put("values", values);
                diffs.add(fm);
            }
            sm.put("differences", diffs);
            steps.add(sm);
        }
        m.put("divergences", steps);
        return m;
    }

    private static Object value(ScenarioComparison.Kind kind, String v) {
        if (v.equals("-")) {
            return null;
        }
        return kind == ScenarioComparison.Kind.RESULT ? v : (Object) Long.parseLong(v);
    }
}
