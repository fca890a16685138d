package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A comparison as text: the diverging steps with each backend's value, then a summary line. */
public final class ComparisonText {
    private ComparisonText() {}

    public static List<String> lines(ScenarioComparison c) {
        List<String> out = new ArrayList<>();
        Scenario s = c.scenario();
        out.add("== compare " + s.name() + ": " + String.join(" vs ", c.backends()));
        out.add("   " + s.title());
        out.add("   file: " + s.source());
        for (int i = 0; i < c.runs().size(); i++) {
            ScenarioResult r = c.runs().get(i);
            if (r.setupError() != null) {
                out.add("   " + c.backends().get(i) + " could not start: " + r.setupError());
            }
        }
        List<String[]> rows = new ArrayList<>();
        for (ScenarioComparison.StepDivergence d : c.divergences()) {
            rows.add(
                    new String[] {
                        String.valueOf(d.number()), String.valueOf(d.line()), d.description()
                    });
            for (ScenarioComparison.Difference f : d.differences()) {
                String[] row = new String[3 + f.values().size()];
                row[0] = "";
                row[1] = "";
                row[2] = "  " + label(f);
                for (int i = 0; i < f.values().size(); i++) {
                    row[3 + i] = value(f.kind(), f.values().get(i), c.runs().get(i).pageSize());
                }
                rows.add(row);
            }
        }
        if (!rows.isEmpty()) {
            String[] head = new String[3 + c.backends().size()];
            head[0] = "#";
            head[1] = "line";
            head[2] = "step";
            for (int i = 0; i < c.backends().size(); i++) {
                head[3 + i] = c.backends().get(i);
            }
            rows.add(0, head);
            out.addAll(table(rows));
        }
        out.add("   " + summary(c));
        return out;
    }

    /** {@code 2 of 9 steps diverge: result 1, locked_vm 2} or {@code no step diverges}. */
    public static String summary(ScenarioComparison c) {
        int n = c.divergences().size();
        if (n == 0) {
            return "no step diverges (" + c.scenario().steps().size() + " steps)";
        }
        StringBuilder b = new StringBuilder();
        b.append(n)
                .append(" of ")
                .append(c.scenario().steps().size())
                .append(n == 1 ? " steps diverges: " : " steps diverge: ");
        List<String> parts = new ArrayList<>();
        for (Map.Entry<ScenarioComparison.Kind, Integer> e : c.stepsByKind().entrySet()) {
            parts.add(e.getKey().label() + " " + e.getValue());
        }
        return b.append(String.join(", ", parts)).toString();
    }

    static String label(ScenarioComparison.Difference f) {
        return switch (f.kind()) {
            case RESULT -> "result";
            case UNMAPPED -> "unmapped";
            case LOCKED_VM -> "locked_vm of " + f.process();
            case PINNED_VM -> "pinned_vm of " + f.process();
            case USER_LOCKED_VM -> "user locked_vm of " + f.process();
        };
    }

    /** Sizes in bytes as {@code 64 MiB}, counters as pages: {@code 131,072 pages}. */
    static String value(ScenarioComparison.Kind kind, String v, long pageSize) {
        if (v.equals("-") || kind == ScenarioComparison.Kind.RESULT) {
            return v;
        }
        long n = Long.parseLong(v);
        if (kind == ScenarioComparison.Kind.UNMAPPED) {
            return Sizes.human(n);
        }
        return Sizes.count(n) + (n == 1 ? " page" : " pages");
    }

    private static List<String> table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            // A step's description row spans the value columns: it does not widen them.
            int upto = r.length == 3 ? 2 : r.length;
            for (int i = 0; i < upto; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder("  ");
            b.append(pad(r[0], w[0], true)).append("  ").append(pad(r[1], w[1], true)).append("  ");
            if (r.length == 3) {
                b.append(r[2]);
            } else {
                for (int i = 2; i < cols; i++) {
                    b.append(pad(r[i], w[i], false));
                    if (i + 1 < cols) {
                        b.append("  ");
                    }
                }
            }
            out.add(b.toString().stripTrailing());
        }
        return out;
    }

    private static String pad(String s, int w, boolean right) {
        String fill = " ".repeat(Math.max(0, w - s.length()));
        return right ? fill + s : s + fill;
    }
}
