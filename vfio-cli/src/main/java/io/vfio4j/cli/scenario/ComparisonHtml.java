package io.vfio4j.cli.scenario;

import io.vfio4j.report.HtmlPage;
import io.vfio4j.report.KeyValue;
import io.vfio4j.report.Row;
import io.vfio4j.report.Table;
import io.vfio4j.report.TimelinePlot;
import io.vfio4j.report.Tone;
import io.vfio4j.report.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Comparisons as one self-contained HTML page: per scenario the summary of divergences, each
 * process's charged pages step by step on each backend, and the diverging steps.
 */
public final class ComparisonHtml {
    private ComparisonHtml() {}

    public static String write(List<String> backends, List<ScenarioComparison> comparisons) {
        HtmlPage page = HtmlPage.titled("vfio4j run --compare " + String.join(",", backends));
        page.subtitle(
                "The same scenarios on each backend; expectations are not checked, every"
                        + " step runs whatever it answers.");
        for (ScenarioComparison c : comparisons) {
            scenario(page, c);
        }
        return page.render();
    }

    private static void scenario(HtmlPage page, ScenarioComparison c) {
        Scenario s = c.scenario();
        List<KeyValue> summary = new ArrayList<>();
        summary.add(new KeyValue("title", s.title()));
        summary.add(new KeyValue("file", s.source()));
        summary.add(
                new KeyValue(
                        "divergences",
                        ComparisonText.summary(c),
                        c.divergences().isEmpty() ? Tone.GOOD : Tone.BAD));
        for (int i = 0; i < c.runs().size(); i++) {
            ScenarioResult r = c.runs().get(i);
            if (r.setupError() != null) {
                summary.add(
                        new KeyValue(
                                c.backends().get(i) + " could not start",
                                r.setupError(),
                                Tone.BAD));
            }
        }
        page.keyValues(s.name(), summary);
        page.paragraph(
                "locked = the process's locked_vm, pinned = its pinned_vm, user = the locked_vm"
                        + " of its user; a counter that stays 0 on a backend is not drawn.");
        for (String p : processes(c)) {
            if (!charged(c, p)) {
                continue;
            }
            page.figure(
                    "charged pages of " + p + " after each step (" + s.name() + ")", plot(c, p));
        }
        List<String> head = new ArrayList<>(List.of("step", "line", "what", "value"));
        head.addAll(c.backends());
        List<Row> rows = new ArrayList<>();
        for (ScenarioComparison.StepDivergence d : c.divergences()) {
            boolean first = true;
            for (ScenarioComparison.Difference f : d.differences()) {
                List<String> cells = new ArrayList<>();
                cells.add(first ? String.valueOf(d.number()) : "");
                cells.add(first ? String.valueOf(d.line()) : "");
                cells.add(first ? d.description() : "");
                cells.add(ComparisonText.label(f));
                for (int i = 0; i < f.values().size(); i++) {
                    cells.add(
                            ComparisonText.value(
                                    f.kind(), f.values().get(i), c.runs().get(i).pageSize()));
                }
                rows.add(
                        new Row(
                                cells,
                                f.kind() == ScenarioComparison.Kind.RESULT
                                        ? Tone.BAD
                                        : Tone.NORMAL));
                first = false;
            }
        }
        page.table(new Table("Diverging steps of " + s.name(), head, rows));
    }

    private static TreeSet<String> processes(ScenarioComparison c) {
        TreeSet<String> out = new TreeSet<>();
        for (ScenarioResult r : c.runs()) {
            for (StepResult st : r.steps()) {
                out.addAll(st.lockedVm().keySet());
            }
        }
        return out;
    }

    private static boolean charged(ScenarioComparison c, String process) {
        for (ScenarioResult r : c.runs()) {
            for (StepResult st : r.steps()) {
                if (st.lockedVm().getOrDefault(process, 0L) != 0
                        || st.pinnedVm().getOrDefault(process, 0L) != 0
                        || st.userLockedVm().getOrDefault(process, 0L) != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** locked_vm, pinned_vm and the user's locked_vm of one process on every backend. */
    private static io.vfio4j.report.Svg plot(ScenarioComparison c, String process) {
        TimelinePlot.Builder b =
                TimelinePlot.builder()
                        .title("charged pages of " + process)
                        .xLabel("step")
                        .yLabel("charged")
                        .yUnit(Unit.pages(c.runs().get(0).pageSize()));
        for (int i = 0; i < c.runs().size(); i++) {
            List<StepResult> steps = c.runs().get(i).steps();
            int n = steps.size() + 1;
            long[] x = new long[n];
            long[] locked = new long[n];
            long[] pinned = new long[n];
            long[] user = new long[n];
            for (int k = 1; k < n; k++) {
                StepResult st = steps.get(k - 1);
                x[k] = k;
                locked[k] = st.lockedVm().getOrDefault(process, 0L);
                pinned[k] = st.pinnedVm().getOrDefault(process, 0L);
                user[k] = st.userLockedVm().getOrDefault(process, 0L);
            }
            String be = c.backends().get(i);
            series(b, be + " locked", x, locked);
            series(b, be + " pinned", x, pinned);
            series(b, be + " user", x, user);
        }
        return b.build();
    }

    /** A counter that stays 0 on a backend is left out: it would only hide the others. */
    private static void series(TimelinePlot.Builder b, String name, long[] x, long[] y) {
        for (long v : y) {
            if (v != 0) {
                b.series(name, x, y);
                return;
            }
        }
    }
}
