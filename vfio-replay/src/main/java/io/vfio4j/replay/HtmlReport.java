package io.vfio4j.replay;

import io.vfio4j.report.HtmlPage;
import io.vfio4j.report.KeyValue;
import io.vfio4j.report.Row;
import io.vfio4j.report.Table;
import io.vfio4j.report.TimelinePlot;
import io.vfio4j.report.Tone;
import io.vfio4j.report.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The replay as one self-contained HTML page (module vfio-report): the summary, locked_vm over the
 * trace lines as a step plot with RLIMIT_MEMLOCK and the refused calls marked, and the call table.
 * The timeline keeps two longs per call; the table keeps the first {@value #TABLE_ROWS} calls and
 * up to as many refused or differing ones after them, and says so.
 */
public final class HtmlReport implements ReplayListener {
    static final int TABLE_ROWS = 2000;
    static final int MARKS = 500;

    private final String traceName;
    private final ReplayOptions options;
    private long[] x = new long[1024];
    private long[] y = new long[1024];
    private int points;
    private final List<long[]> marks = new ArrayList<>();
    private final List<String> markLabels = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();
    private int laterRows;
    private long calls;

    public HtmlReport(String traceName, ReplayOptions options) {
        this.traceName = traceName;
        this.options = options;
    }

    @Override
    public void call(CallResult r) {
        calls++;
        if (points == x.length) {
            x = Arrays.copyOf(x, points * 2);
            y = Arrays.copyOf(y, points * 2);
        }
        x[points] = r.line();
        y[points] = r.lockedVmPages();
        points++;
        boolean bad = r.errno() != 0 || r.differs();
        if (r.errno() != 0 && marks.size() < MARKS) {
            marks.add(new long[] {r.line(), r.lockedVmPages()});
            markLabels.add("line " + r.line() + ": " + r.op() + " " + r.errnoName());
        }
        if (rows.size() < TABLE_ROWS || (bad && laterRows < TABLE_ROWS)) {
            if (rows.size() >= TABLE_ROWS) {
                laterRows++;
            }
            rows.add(row(r));
        }
    }

    private static Row row(CallResult r) {
        String recorded =
                r.recordedErrno() == TraceEvent.UNKNOWN ? "-" : ErrnoNames.name(r.recordedErrno());
        Tone tone = r.differs() || r.errno() != 0 ? Tone.BAD : Tone.NORMAL;
        return new Row(
                List.of(
                        Long.toString(r.line()),
                        r.op(),
                        Hex.of(r.iova()),
                        Hex.of(r.size()),
                        r.errnoName(),
                        recorded,
                        r.op().equals("UNMAP") && r.errno() == 0 ? Hex.of(r.unmapped()) : "-",
                        String.format(Locale.ROOT, "%,d", r.lockedVmPages())),
                tone);
    }

    /** The page, once the replay is over. */
    public String render(ReplaySummary s) {
        long page = s.hostPageSize();
        HtmlPage html =
                HtmlPage.titled("vfio4j replay — " + traceName)
                        .subtitle(s.fixture() + "; memory: " + s.memory());
        html.keyValues("Summary", summary(s));
        TimelinePlot.Builder plot =
                TimelinePlot.builder()
                        .title("locked_vm over the trace")
                        .xLabel("trace line")
                        .yLabel("locked_vm")
                        .yUnit(Unit.pages(page))
                        .series("locked_vm", Arrays.copyOf(x, points), Arrays.copyOf(y, points));
        if (options.memlockBytes().isPresent()) {
            plot.limit("RLIMIT_MEMLOCK", options.memlockBytes().getAsLong() / page);
        }
        plot.limit("needed", s.minMemlockBytes() / page);
        for (int i = 0; i < marks.size(); i++) {
            plot.mark(marks.get(i)[0], marks.get(i)[1], markLabels.get(i));
        }
        html.figure("locked_vm over the trace (pages of " + Sizes.human(page) + ")", plot.build());
        for (String w : s.warnings()) {
            html.paragraph("Warning: " + w);
        }
        if (calls > rows.size()) {
            html.paragraph(
                    String.format(
                            Locale.ROOT,
                            "The table shows %,d of the %,d calls: the first %,d and the refused or"
                                    + " differing ones after them (up to %,d). The JSON output"
                                    + " (--json) has every call.",
                            rows.size(),
                            calls,
                            Math.min(calls, TABLE_ROWS),
                            TABLE_ROWS));
        }
        html.table(
                new Table(
                        "Calls",
                        List.of(
                                "line",
                                "op",
                                "iova",
                                "size",
                                "answer",
                                "recorded",
                                "unmapped",
                                "locked_vm (pages)"),
                        rows));
        if (!s.skipped().isEmpty()) {
            List<Row> skipped = new ArrayList<>();
            for (ReplaySummary.SkippedLine k : s.skipped()) {
                skipped.add(new Row(List.of(Long.toString(k.line()), k.reason()), Tone.MUTED));
            }
            html.table(new Table("Lines not replayed", List.of("line", "reason"), skipped));
        }
        return html.render();
    }

    private static List<KeyValue> summary(ReplaySummary s) {
        long page = s.hostPageSize();
        List<KeyValue> kv = new ArrayList<>();
        kv.add(
                new KeyValue(
                        "calls replayed",
                        String.format(
                                Locale.ROOT,
                                "%,d from %,d trace lines (%,d lines read, %,d not replayed)",
                                s.calls(),
                                s.replayed(),
                                s.lines(),
                                s.skipped().size())));
        kv.add(
                new KeyValue(
                        "peak locked_vm",
                        pages(s.peakLockedVmPages(), page)
                                + (s.peakLine() > 0 ? " at line " + s.peakLine() : "")));
        kv.add(
                new KeyValue(
                        "final locked_vm",
                        pages(s.finalLockedVmPages(), page)
                                + String.format(
                                        Locale.ROOT,
                                        ", %,d mapping(s) of %s",
                                        s.finalMappings(),
                                        Sizes.human(s.finalMappedBytes()))));
        kv.add(
                new KeyValue(
                        "smallest RLIMIT_MEMLOCK",
                        String.format(
                                Locale.ROOT,
                                "%,d bytes (%s)",
                                s.minMemlockBytes(),
                                Sizes.human(s.minMemlockBytes())),
                        Tone.GOOD));
        kv.add(
                s.firstFailure()
                        .map(
                                f ->
                                        new KeyValue(
                                                "first refused call",
                                                "line "
                                                        + f.line()
                                                        + ": "
                                                        + f.op()
                                                        + " "
                                                        + f.errnoName(),
                                                Tone.BAD))
                        .orElse(new KeyValue("first refused call", "none", Tone.GOOD)));
        kv.add(
                new KeyValue(
                        "answers unlike the trace's",
                        String.format(Locale.ROOT, "%,d", s.differing()),
                        s.differing() > 0 ? Tone.BAD : Tone.NORMAL));
        return kv;
    }

    private static String pages(long pages, long pageSize) {
        return String.format(Locale.ROOT, "%,d pages (%s)", pages, Sizes.human(pages * pageSize));
    }
}
