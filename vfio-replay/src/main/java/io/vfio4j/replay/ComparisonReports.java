package io.vfio4j.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vfio4j.report.HtmlPage;
import io.vfio4j.report.KeyValue;
import io.vfio4j.report.Row;
import io.vfio4j.report.Table;
import io.vfio4j.report.Tone;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@link ReplayComparison} as text, JSON or one HTML page. */
public final class ComparisonReports {
    private ComparisonReports() {}

    /** The summary line: {@code 12 of 40 calls diverge: errno 2, pinned_vm 12}. */
    public static String summary(ReplayComparison c) {
        long calls = c.callCounts().stream().mapToLong(Long::longValue).min().orElse(0);
        if (c.divergingCalls() == 0) {
            return "no call diverges (" + calls + " calls)";
        }
        List<String> parts = new ArrayList<>();
        for (ReplayComparison.Kind k : ReplayComparison.Kind.values()) {
            Long n = c.byKind().get(k);
            if (n != null) {
                parts.add(k.label() + " " + n);
            }
        }
        return c.divergingCalls()
                + " of "
                + calls
                + (c.divergingCalls() == 1 ? " calls diverges: " : " calls diverge: ")
                + String.join(", ", parts);
    }

    /** Per backend: peak locked_vm, the smallest RLIMIT_MEMLOCK and refused calls. */
    private static List<String> perBackend(ReplayComparison c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.backends().size(); i++) {
            ReplaySummary s = c.summaries().get(i);
            out.add(
                    c.backends().get(i)
                            + ": "
                            + s.calls()
                            + " calls, "
                            + s.refused()
                            + " refused, peak locked_vm "
                            + (s.peakLockedVmPages()
                                    + " pages ("
                                    + Sizes.human(s.peakLockedVmPages() * s.hostPageSize())
                                    + ")")
                            + ", smallest RLIMIT_MEMLOCK "
                            + Sizes.human(s.minMemlockBytes()));
        }
        return out;
    }

    public static void text(ReplayComparison c, PrintWriter out, boolean summaryOnly) {
        out.println("== compare " + c.trace() + ": " + String.join(" vs ", c.backends()));
        for (String l : perBackend(c)) {
            out.println("   " + l);
        }
        if (!summaryOnly) {
            for (ReplayComparison.CallDivergence d : c.divergences()) {
                out.println(
                        "  line "
                                + d.line()
                                + ": "
                                + d.op()
                                + " iova "
                                + Hex.of(d.iova())
                                + " size "
                                + Hex.of(d.size()));
                for (Map.Entry<ReplayComparison.Kind, List<Long>> e : d.values().entrySet()) {
                    StringBuilder b = new StringBuilder("      " + pad(e.getKey().label(), 15));
                    for (int i = 0; i < c.backends().size(); i++) {
                        b.append("  ")
                                .append(c.backends().get(i))
                                .append(" ")
                                .append(value(e.getKey(), e.getValue().get(i)));
                    }
                    out.println(b);
                }
            }
            if (c.divergingCalls() > c.divergences().size()) {
                out.println(
                        "  ... "
                                + (c.divergingCalls() - c.divergences().size())
                                + " more diverging calls not listed");
            }
        }
        out.println("   " + summary(c));
        out.flush();
    }

    static String value(ReplayComparison.Kind k, long v) {
        return switch (k) {
            case ERRNO -> ErrnoNames.name((int) v);
            case UNMAPPED -> Hex.of(v);
            default -> v + (v == 1 ? " page" : " pages");
        };
    }

    public static void json(ReplayComparison c, Writer w) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("trace", c.trace());
            g.writeArrayFieldStart("backends");
            for (String b : c.backends()) {
                g.writeString(b);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("runs");
            for (int i = 0; i < c.backends().size(); i++) {
                ReplaySummary s = c.summaries().get(i);
                g.writeObjectFieldStart(c.backends().get(i));
                g.writeNumberField("calls", s.calls());
                g.writeNumberField("refused", s.refused());
                g.writeNumberField("peakLockedVmPages", s.peakLockedVmPages());
                g.writeNumberField("minMemlockBytes", s.minMemlockBytes());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeNumberField("divergingCalls", c.divergingCalls());
            g.writeObjectFieldStart("byKind");
            for (ReplayComparison.Kind k : ReplayComparison.Kind.values()) {
                Long n = c.byKind().get(k);
                if (n != null) {
                    g.writeNumberField(k.label(), n);
                }
            }
            g.writeEndObject();
            g.writeArrayFieldStart("divergences");
            for (ReplayComparison.CallDivergence d : c.divergences()) {
                g.writeStartObject();
                g.writeNumberField("line", d.line());
                g.writeStringField("op", d.op());
                g.writeNumberField("iova", d.iova());
                g.writeNumberField("size", d.size());
                g.writeArrayFieldStart("differences");
                for (Map.Entry<ReplayComparison.Kind, List<Long>> e : d.values().entrySet()) {
                    g.writeStartObject();
                    g.writeStringField("kind", e.getKey().label());
                    g.writeObjectFieldStart("values");
                    for (int i = 0; i < c.backends().size(); i++) {
                        long v = e.getValue().get(i);
                        if (e.getKey() == ReplayComparison.Kind.ERRNO) {
                            g.writeStringField(c.backends().get(i), ErrnoNames.name((int) v));
                        } else {
                            g.writeNumberField(c.backends().get(i), v);
                        }
                    }
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        w.write(System.lineSeparator());
        w.flush();
    }

    public static String html(ReplayComparison c) {
        HtmlPage page =
                HtmlPage.titled(
                        "vfio4j replay --compare "
                                + String.join(",", c.backends())
                                + " — "
                                + c.trace());
        List<KeyValue> kv = new ArrayList<>();
        kv.add(
                new KeyValue(
                        "divergences", summary(c), c.divergingCalls() == 0 ? Tone.GOOD : Tone.BAD));
        List<String> per = perBackend(c);
        for (int i = 0; i < per.size(); i++) {
            kv.add(
                    new KeyValue(
                            c.backends().get(i),
                            per.get(i).substring(c.backends().get(i).length() + 2)));
        }
        page.keyValues("Summary", kv);
        List<String> head = new ArrayList<>(List.of("line", "op", "iova", "size", "value"));
        head.addAll(c.backends());
        List<Row> rows = new ArrayList<>();
        for (ReplayComparison.CallDivergence d : c.divergences()) {
            boolean first = true;
            for (Map.Entry<ReplayComparison.Kind, List<Long>> e : d.values().entrySet()) {
                List<String> cells = new ArrayList<>();
                cells.add(first ? String.valueOf(d.line()) : "");
                cells.add(first ? d.op() : "");
                cells.add(first ? Hex.of(d.iova()) : "");
                cells.add(first ? Hex.of(d.size()) : "");
                cells.add(e.getKey().label());
                for (long v : e.getValue()) {
                    cells.add(value(e.getKey(), v));
                }
                rows.add(
                        new Row(
                                cells,
                                e.getKey() == ReplayComparison.Kind.ERRNO
                                        ? Tone.BAD
                                        : Tone.NORMAL));
                first = false;
            }
        }
        page.table(new Table("Diverging calls", head, rows));
        if (c.divergingCalls() > c.divergences().size()) {
            page.paragraph(
                    (c.divergingCalls() - c.divergences().size())
                            + " more diverging calls are not listed.");
        }
        return page.render();
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
