package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.Task;
import io.vfio4j.cli.Table;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Help.Ansi;

/**
 * Prints a scenario result for a terminal: a header, one line per step (result, locked_vm after,
 * pins, mappings), what failed and why, and a closing summary per process and container. Colors
 * only where {@code ansi} allows them.
 */
public final class TracePrinter {
    private static final int MAX_STEP = 58;

    private final PrintWriter out;
    private final Ansi ansi;
    private final boolean steps;

    /**
     * @param steps print the per-step trace; false prints the header and summary only
     */
    public TracePrinter(PrintWriter out, Ansi ansi, boolean steps) {
        this.out = out;
        this.ansi = ansi;
        this.steps = steps;
    }

    public void print(ScenarioResult r) {
        Scenario s = r.scenario();
        out.println(
                ansi.string("@|bold == " + s.name() + "|@")
                        + (s.title().isEmpty() ? "" : ": " + s.title()));
        if (!s.reference().isEmpty()) {
            out.println("   reference: " + s.reference());
        }
        out.println("   " + setup(s));
        if (r.setupError() != null) {
            out.println(ansi.string("   @|bold,red could not start:|@ ") + r.setupError());
            out.println();
            return;
        }
        if (steps) {
            printSteps(r);
        }
        printSummary(r);
        out.println();
    }

    private static String setup(Scenario s) {
        Model.HostDef h = s.host();
        List<String> procs = new ArrayList<>();
        for (Model.ProcessDef p : s.processes()) {
            procs.add(
                    p.name()
                            + " (RLIMIT_MEMLOCK "
                            + (p.memlockBytes() == Task.UNLIMITED
                                    ? "unlimited"
                                    : Sizes.human(p.memlockBytes()))
                            + (p.capIpcLock() ? ", CAP_IPC_LOCK" : "")
                            + ")");
        }
        return h.platform().name().toLowerCase(java.util.Locale.ROOT)
                + " host, "
                + Sizes.human(h.pageSize())
                + " pages, "
                + h.groups().size()
                + " IOMMU group"
                + (h.groups().size() == 1 ? "" : "s")
                + "; "
                + (procs.isEmpty() ? "no process" : String.join(", ", procs));
    }

    private void printSteps(ScenarioResult r) {
        int multi = r.scenario().processes().size();
        List<String[]> rows = new ArrayList<>();
        for (StepResult sr : r.steps()) {
            rows.add(row(sr, r, multi > 1));
        }
        int w = "step".length();
        int wr = "result".length();
        int wl = "locked_vm after".length();
        for (String[] row : rows) {
            w = Math.max(w, row[1].length());
            wr = Math.max(wr, row[2].length());
            wl = Math.max(wl, row[3].length());
        }
        int wn = String.valueOf(rows.size()).length();
        boolean iommufd = r.showsIommufdCounters();
        int wp = "pinned_vm".length();
        int wu = "user locked_vm".length();
        for (String[] row : rows) {
            wp = Math.max(wp, row[7].length());
            wu = Math.max(wu, row[8].length());
        }
        String pinnedHead =
                iommufd
                        ? pad("pinned_vm", wp, true) + "  " + pad("user locked_vm", wu, true) + "  "
                        : "";
        out.println(
                ansi.string(
                        "@|faint   "
                                + pad("#", wn, true)
                                + "  "
                                + pad("step", w, false)
                                + "  "
                                + pad("result", wr, false)
                                + "  "
                                + pad("locked_vm after", wl, false)
                                + "  "
                                + pinnedHead
                                + pad("pins", 9, true)
                                + "  "
                                + pad("maps", 4, true)
                                + "  backend|@"));
        for (int i = 0; i < rows.size(); i++) {
            StepResult sr = r.steps().get(i);
            String[] row = rows.get(i);
            String result = pad(row[2], wr, false);
            result =
                    switch (sr.status()) {
                        case FAILED -> ansi.string("@|bold,red " + result + "|@");
                        case SKIPPED -> ansi.string("@|faint " + result + "|@");
                        default ->
                                sr.outcome().equals("ok")
                                        ? result
                                        : ansi.string("@|yellow " + result + "|@");
                    };
            out.println(
                    ("  "
                                    + pad(row[0], wn, true)
                                    + "  "
                                    + pad(row[1], w, false)
                                    + "  "
                                    + result
                                    + "  "
                                    + pad(row[3], wl, false)
                                    + "  "
                                    + (iommufd
                                            ? pad(row[7], wp, true)
                                                    + "  "
                                                    + pad(row[8], wu, true)
                                                    + "  "
                                            : "")
                                    + pad(row[4], 9, true)
                                    + "  "
                                    + pad(row[5], 4, true)
                                    + "  "
                                    + row[6])
                            .stripTrailing());
            String indent = "  " + " ".repeat(wn) + "    ";
            if (!sr.step().note().isEmpty()) {
                out.println(ansi.string("@|faint " + indent + "# " + sr.step().note() + "|@"));
            }
            if (!sr.results().isEmpty() && sr.status() != StepResult.Status.SKIPPED) {
                out.println(indent + "-> " + results(sr, r.pageSize()));
            }
            for (String f : sr.failures()) {
                out.println(ansi.string(indent + "@|red " + escape(f) + "|@"));
            }
        }
    }

    private static String escape(String s) {
        return s.replace("@|", "@ |");
    }

    private static String results(StepResult sr, long pageSize) {
        List<String> parts = new ArrayList<>();
        Map<String, Check.Unit> units = StepKinds.all().get(sr.step().op()).results();
        for (Map.Entry<String, Object> e : new java.util.TreeMap<>(sr.results()).entrySet()) {
            if (e.getKey().equals("hex") && sr.results().containsKey("data")) {
                String data = (String) sr.results().get("data");
                if (data.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                    continue;
                }
            }
            Object v = e.getValue();
            String shown;
            if (v instanceof Long n) {
                shown =
                        switch (units.getOrDefault(e.getKey(), Check.Unit.COUNT)) {
                            case BYTES -> Sizes.human(n);
                            case ADDRESS -> Sizes.hex(n);
                            case PAGES -> Sizes.pages(n, pageSize);
                            default -> Sizes.count(n);
                        };
            } else {
                shown = "\"" + v + "\"";
            }
            parts.add(e.getKey() + " " + shown);
        }
        return String.join(", ", parts);
    }

    private static String[] row(StepResult sr, ScenarioResult r, boolean multi) {
        Step step = sr.step();
        String desc = step.action().describe();
        if (desc.length() > MAX_STEP) {
            desc = desc.substring(0, MAX_STEP - 3) + "...";
        }
        String result =
                switch (sr.status()) {
                    case SKIPPED -> "skipped";
                    case FAILED -> "FAILED " + (sr.outcome().equals("ok") ? "" : sr.outcome());
                    default ->
                            sr.outcome().equals("ok")
                                    ? "ok"
                                    : sr.outcome()
                                            + (sr.step().expect().observe().isPresent()
                                                    ? " (observed)"
                                                    : " (expected)");
                };
        String process = step.action().process();
        if (process == null && r.scenario().processes().size() == 1) {
            process = r.scenario().processes().get(0).name();
        }
        String locked = "-";
        String pinned = "-";
        String user = "-";
        if (process != null && sr.status() != StepResult.Status.SKIPPED) {
            locked =
                    (multi ? process + ": " : "")
                            + Sizes.pages(sr.lockedVm().get(process), r.pageSize());
            pinned = Sizes.count(sr.pinnedVm().get(process));
            user = Sizes.count(sr.userLockedVm().get(process));
        }
        String container = step.action().container();
        if (container == null && r.scenario().containers().size() == 1) {
            container = r.scenario().containers().get(0).name();
        }
        String pins = "-";
        String maps = "-";
        String backend = "-";
        StepResult.ContainerSnapshot c = container == null ? null : sr.containers().get(container);
        if (c != null && sr.status() != StepResult.Status.SKIPPED) {
            pins = Sizes.count(c.pins());
            maps = Sizes.count(c.mappings());
            backend = c.backend();
        }
        return new String[] {
            String.valueOf(step.number()),
            desc,
            result.trim(),
            locked,
            pins,
            maps,
            backend,
            pinned,
            user
        };
    }

    private void printSummary(ScenarioResult r) {
        long failed = r.count(StepResult.Status.FAILED);
        long skipped = r.count(StepResult.Status.SKIPPED);
        String verdict =
                r.passed()
                        ? ansi.string("@|bold,green PASSED|@")
                                + " - "
                                + r.steps().size()
                                + " steps as expected"
                        : ansi.string("@|bold,red FAILED|@")
                                + " - "
                                + failed
                                + " of "
                                + r.steps().size()
                                + " steps failed"
                                + (skipped > 0 ? ", " + skipped + " skipped" : "");
        out.println("   " + verdict + " (" + r.millis() + " ms)");
        long page = r.pageSize();
        if (!r.processes().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            boolean iommufd = r.showsIommufdCounters();
            rows.add(
                    iommufd
                            ? new String[] {
                                "process",
                                "pid",
                                "RLIMIT_MEMLOCK",
                                "peak locked_vm",
                                "final locked_vm",
                                "final pinned_vm",
                                "final user locked_vm",
                                ""
                            }
                            : new String[] {
                                "process",
                                "pid",
                                "RLIMIT_MEMLOCK",
                                "peak locked_vm",
                                "final locked_vm",
                                ""
                            });
            for (ScenarioResult.ProcessSummary p : r.processes()) {
                List<String> row = new ArrayList<>();
                row.add(p.name());
                row.add(String.valueOf(p.pid()));
                row.add(
                        ProcessSteps.memlockText(p.memlockBytes(), page)
                                + (p.capIpcLock() ? " +CAP_IPC_LOCK" : ""));
                row.add(Sizes.pages(p.peakLockedVm(), page));
                row.add(Sizes.pages(p.finalLockedVm(), page));
                if (iommufd) {
                    row.add(Sizes.pages(p.finalPinnedVm(), page));
                    row.add(Sizes.pages(p.finalUserLockedVm(), page));
                }
                row.add(p.state().equals("alive") ? "" : p.state());
                rows.add(row.toArray(String[]::new));
            }
            Table.print(out, rows, "   ");
        }
        if (!r.containers().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(
                    new String[] {
                        "container",
                        "backend",
                        "origin",
                        "mappings",
                        "pins (peak)",
                        "dma_avail",
                        "details"
                    });
            for (ScenarioResult.ContainerSummary c : r.containers()) {
                rows.add(
                        new String[] {
                            c.name(),
                            c.backend().equals("-")
                                    ? "(no IOMMU set)"
                                    : c.type().equals("-")
                                            ? c.backend() + " (released)"
                                            : c.backend() + " " + c.type(),
                            c.backendOrigin(),
                            Sizes.count(c.mappings())
                                    + (c.mappedBytes() > 0
                                            ? " (" + Sizes.human(c.mappedBytes()) + ")"
                                            : ""),
                            Sizes.count(c.pins()) + " (" + Sizes.count(c.peakPins()) + ")",
                            c.dmaAvail() < 0 || c.type().equals("-")
                                    ? "-"
                                    : Sizes.count(c.dmaAvail()),
                            details(c)
                        });
            }
            Table.print(out, rows, "   ");
        }
        if (r.leaks().isEmpty()) {
            out.println("   vendor leaks: none");
        } else {
            for (String l : r.leaks()) {
                out.println(ansi.string("   @|yellow vendor leak:|@ ") + l);
            }
        }
        if (!r.warnings().isEmpty()) {
            out.println("   kernel warnings: " + r.warnings().size());
        }
    }

    /** The backend details worth a glance: non-zero counters other than the ones shown. */
    private static String details(ScenarioResult.ContainerSummary c) {
        List<String> parts = new ArrayList<>();
        for (String key :
                List.of(
                        "domains",
                        "emulatedGroups",
                        "windows",
                        "tablePages",
                        "registeredRegions",
                        "enableLockedPages")) {
            Long v = c.details().get(key);
            if (v != null && v != 0) {
                parts.add(key + " " + Sizes.count(v));
            }
        }
        return String.join(", ", parts);
    }

    private static String pad(String s, int width, boolean right) {
        if (s.length() >= width) {
            return s;
        }
        String p = " ".repeat(width - s.length());
        return right ? p + s : s + p;
    }
}
