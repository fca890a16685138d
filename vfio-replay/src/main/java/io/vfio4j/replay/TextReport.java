package io.vfio4j.replay;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The replay as a text table, written while it runs: one row per call, then the skipped lines and
 * the summary. With {@code summaryOnly} the rows are left out.
 */
public final class TextReport implements ReplayListener {
    private static final String ROW = "%7s  %-5s  %-18s  %-18s  %-7s  %-14s  %s%n";

    private final PrintWriter out;
    private final boolean summaryOnly;
    private boolean header;

    public TextReport(PrintWriter out, boolean summaryOnly) {
        this.out = out;
        this.summaryOnly = summaryOnly;
    }

    @Override
    public void call(CallResult r) {
        if (summaryOnly) {
            return;
        }
        if (!header) {
            out.printf(
                    Locale.ROOT,
                    ROW,
                    "line",
                    "op",
                    "iova",
                    "size",
                    "answer",
                    "unmapped",
                    "locked_vm");
            header = true;
        }
        String note = "";
        if (r.differs()) {
            note = "   ! the trace recorded " + ErrnoNames.name(r.recordedErrno());
        }
        out.printf(
                Locale.ROOT,
                ROW,
                r.line(),
                r.op(),
                Hex.of(r.iova()),
                Hex.of(r.size()),
                r.errnoName(),
                r.op().equals("UNMAP") && r.errno() == 0 ? Hex.of(r.unmapped()) : "-",
                pages(r.lockedVmPages()) + note);
    }

    /** The header before any row: what is replayed on what. */
    public void begin(Replay replay, String traceName) {
        out.println("vfio4j replay " + traceName);
        out.println("fixture: " + replay.options().describe());
        out.println(
                "memory:  "
                        + replay.layout().origin()
                        + ", "
                        + replay.layout().blocks().size()
                        + " block(s)");
    }

    /** The skipped lines, warnings and summary. */
    public void finish(ReplaySummary s) {
        long page = s.hostPageSize();
        if (!s.skipped().isEmpty()) {
            out.println();
            out.println("not replayed:");
            for (ReplaySummary.SkippedLine k : s.skipped()) {
                out.println("  line " + k.line() + ": " + k.reason());
            }
        }
        for (String w : s.warnings()) {
            out.println();
            out.println("warning: " + w);
        }
        out.println();
        out.println("summary:");
        out.printf(
                Locale.ROOT,
                "  calls replayed      %,d from %,d trace lines (%,d lines read, %,d not replayed)%n",
                s.calls(),
                s.replayed(),
                s.lines(),
                s.skipped().size());
        out.printf(
                Locale.ROOT,
                "  peak locked_vm      %s%s%n",
                pages(s.peakLockedVmPages(), page),
                s.peakLine() > 0 ? " at line " + s.peakLine() : "");
        out.printf(
                Locale.ROOT,
                "  final locked_vm     %s, %,d mapping(s) of %s%n",
                pages(s.finalLockedVmPages(), page),
                s.finalMappings(),
                Sizes.human(s.finalMappedBytes()));
        out.printf(
                Locale.ROOT,
                "  min RLIMIT_MEMLOCK  %,d bytes (%s)%n",
                s.minMemlockBytes(),
                Sizes.human(s.minMemlockBytes()));
        out.println(
                "  first refused call  "
                        + s.firstFailure()
                                .map(f -> "line " + f.line() + ": " + f.op() + " " + f.errnoName())
                                .orElse("none"));
        out.printf(Locale.ROOT, "  refused calls       %,d%n", s.refused());
        out.printf(Locale.ROOT, "  differ from trace   %,d%n", s.differing());
        out.flush();
    }

    private static String pages(long pages) {
        return String.format(Locale.ROOT, "%,d", pages);
    }

    private static String pages(long pages, long pageSize) {
        return String.format(Locale.ROOT, "%,d pages (%s)", pages, Sizes.human(pages * pageSize));
    }
}
