package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.Task;
import io.vfio4j.report.HtmlPage;
import io.vfio4j.report.KeyValue;
import io.vfio4j.report.Row;
import io.vfio4j.report.Table;
import io.vfio4j.report.TimelinePlot;
import io.vfio4j.report.Tone;
import io.vfio4j.report.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scenario results as one self-contained HTML page: per scenario its verdict and closing summary,
 * locked_vm of each process over the steps (with the process's RLIMIT_MEMLOCK and the refused steps
 * marked), and the step table.
 */
public final class HtmlReport {
    private HtmlReport() {}

    public static String write(List<ScenarioResult> results) {
        long passed = results.stream().filter(ScenarioResult::passed).count();
        HtmlPage page =
                HtmlPage.titled(
                        "vfio4j run: " + passed + " of " + results.size() + " scenarios passed");
        for (ScenarioResult r : results) {
            scenario(page, r);
        }
        return page.render();
    }

    private static void scenario(HtmlPage page, ScenarioResult r) {
        Scenario s = r.scenario();
        List<KeyValue> summary = new ArrayList<>();
        summary.add(
                new KeyValue(
                        "verdict",
                        r.passed() ? "passed" : "FAILED",
                        r.passed() ? Tone.GOOD : Tone.BAD));
        summary.add(new KeyValue("title", s.title()));
        summary.add(new KeyValue("file", s.source()));
        if (r.setupError() != null) {
            summary.add(new KeyValue("could not start", r.setupError(), Tone.BAD));
        }
        summary.add(
                new KeyValue(
                        "steps",
                        r.count(StepResult.Status.PASSED)
                                + " passed, "
                                + r.count(StepResult.Status.FAILED)
                                + " failed, "
                                + r.count(StepResult.Status.SKIPPED)
                                + " skipped"));
        summary.add(new KeyValue("host page size", Sizes.human(r.pageSize())));
        for (ScenarioResult.ProcessSummary p : r.processes()) {
            summary.add(
                    new KeyValue(
                            "process " + p.name() + " (pid " + p.pid() + ")",
                            "peak locked_vm "
                                    + pagesAndBytes(p.peakLockedVm(), r.pageSize())
                                    + ", final "
                                    + pagesAndBytes(p.finalLockedVm(), r.pageSize())
                                    + ", RLIMIT_MEMLOCK "
                                    + (p.memlockBytes() == Task.UNLIMITED
                                            ? "unlimited"
                                            : Sizes.human(p.memlockBytes()))
                                    + (p.capIpcLock() ? ", CAP_IPC_LOCK" : "")
                                    + (r.showsIommufdCounters()
                                            ? ", final pinned_vm "
                                                    + pagesAndBytes(p.finalPinnedVm(), r.pageSize())
                                                    + ", final user locked_vm "
                                                    + pagesAndBytes(
                                                            p.finalUserLockedVm(), r.pageSize())
                                            : "")
                                    + ", "
                                    + p.state()));
        }
        for (ScenarioResult.ContainerSummary c : r.containers()) {
            summary.add(
                    new KeyValue(
                            "container " + c.name(),
                            c.backend()
                                    + (c.type().equals("-") ? "" : " " + c.type())
                                    + ": "
                                    + c.mappings()
                                    + " mappings ("
                                    + Sizes.human(c.mappedBytes())
                                    + "), "
                                    + c.pins()
                                    + " pinned pages (peak "
                                    + c.peakPins()
                                    + ")"));
        }
        for (String leak : r.leaks()) {
            summary.add(new KeyValue("vendor leak", leak, Tone.BAD));
        }
        for (String warning : r.warnings()) {
            summary.add(new KeyValue("kernel WARN", warning, Tone.BAD));
        }
        page.keyValues(s.name(), summary);
        if (!r.steps().isEmpty() && !r.processes().isEmpty()) {
            page.figure("locked_vm of " + s.name() + " step by step", timeline(r));
        }
        page.table(steps(s.name(), r));
    }

    private static io.vfio4j.report.Svg timeline(ScenarioResult r) {
        TimelinePlot.Builder plot =
                TimelinePlot.builder()
                        .title(
                                r.showsIommufdCounters()
                                        ? "locked_vm, pinned_vm and user locked_vm after each step"
                                        : "locked_vm after each step")
                        .xLabel("step")
                        .yLabel("locked_vm")
                        .yUnit(Unit.pages(r.pageSize()));
        int n = r.steps().size();
        for (ScenarioResult.ProcessSummary p : r.processes()) {
            long[] x = new long[n + 1];
            long[] y = new long[n + 1];
            for (int i = 0; i < n; i++) {
                x[i + 1] = i + 1;
                y[i + 1] = r.steps().get(i).lockedVm().getOrDefault(p.name(), 0L);
            }
            plot.series(p.name(), x, y);
            if (r.showsIommufdCounters()) {
                long[] pinned = new long[n + 1];
                long[] user = new long[n + 1];
                for (int i = 0; i < n; i++) {
                    pinned[i + 1] = r.steps().get(i).pinnedVm().getOrDefault(p.name(), 0L);
                    user[i + 1] = r.steps().get(i).userLockedVm().getOrDefault(p.name(), 0L);
                }
                plot.series(p.name() + " pinned_vm", x, pinned);
                plot.series(p.name() + " user locked_vm", x, user);
            }
            if (p.memlockBytes() != Task.UNLIMITED && !p.capIpcLock()) {
                plot.limit(
                        "RLIMIT_MEMLOCK of " + p.name() + " at the end",
                        p.memlockBytes() / r.pageSize());
            }
        }
        String first = r.processes().get(0).name();
        for (int i = 0; i < n; i++) {
            StepResult sr = r.steps().get(i);
            if (refused(sr) || sr.status() == StepResult.Status.FAILED) {
                plot.mark(
                        i + 1,
                        sr.lockedVm().getOrDefault(first, 0L),
                        "step "
                                + sr.step().number()
                                + " (line "
                                + sr.step().line()
                                + ", "
                                + sr.step().op()
                                + "): "
                                + sr.outcome()
                                + (sr.status() == StepResult.Status.FAILED ? ", failed" : ""));
            }
        }
        return plot.build();
    }

    private static boolean refused(StepResult sr) {
        return !sr.outcome().equals("ok") && sr.status() != StepResult.Status.SKIPPED;
    }

    private static Table steps(String name, ScenarioResult r) {
        List<Row> rows = new ArrayList<>();
        for (StepResult sr : r.steps()) {
            Tone tone =
                    switch (sr.status()) {
                        case FAILED -> Tone.BAD;
                        case SKIPPED -> Tone.MUTED;
                        case PASSED -> Tone.NORMAL;
                    };
            List<String> cells =
                    new ArrayList<>(
                            List.of(
                                    Integer.toString(sr.step().number()),
                                    Integer.toString(sr.step().line()),
                                    sr.step().op(),
                                    sr.step().action().describe(),
                                    sr.outcome(),
                                    sr.step().expect().outcome(),
                                    sr.status().name().toLowerCase(java.util.Locale.ROOT),
                                    lockedVm(sr.lockedVm())));
            if (r.showsIommufdCounters()) {
                cells.add(lockedVm(sr.pinnedVm()));
                cells.add(lockedVm(sr.userLockedVm()));
            }
            cells.add(String.join("; ", sr.failures()));
            rows.add(new Row(cells, tone));
        }
        List<String> head =
                new ArrayList<>(
                        List.of(
                                "step",
                                "line",
                                "op",
                                "what",
                                "answer",
                                "expected",
                                "status",
                                "locked_vm (pages)"));
        if (r.showsIommufdCounters()) {
            head.add("pinned_vm (pages)");
            head.add("user locked_vm (pages)");
        }
        head.add("failures");
        return new Table("Steps of " + name, head, rows);
    }

    private static String lockedVm(Map<String, Long> byProcess) {
        if (byProcess.size() == 1) {
            return Long.toString(byProcess.values().iterator().next());
        }
        StringBuilder b = new StringBuilder();
        new TreeMap<>(byProcess)
                .forEach(
                        (p, v) ->
                                b.append(b.length() == 0 ? "" : ", ")
                                        .append(p)
                                        .append(' ')
                                        .append(v));
        return b.toString();
    }

    private static String pagesAndBytes(long pages, long pageSize) {
        return pages + " pages (" + Sizes.human(pages * pageSize) + ")";
    }
}
