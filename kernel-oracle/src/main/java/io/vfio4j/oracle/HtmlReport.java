package io.vfio4j.oracle;

import io.vfio4j.report.HtmlPage;
import io.vfio4j.report.KeyValue;
import io.vfio4j.report.Row;
import io.vfio4j.report.Table;
import io.vfio4j.report.Tone;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report as one self-contained HTML page: a summary per kernel, then per kernel a table of
 * every operation with the model's and the kernel's answers side by side.
 */
public final class HtmlReport {
    private HtmlReport() {}

    public static String render(OracleReport r) {
        List<KeyValue> summary = new ArrayList<>();
        summary.add(
                new KeyValue(
                        "verdict",
                        r.passed() ? "agreed" : "unexplained differences",
                        r.passed() ? Tone.GOOD : Tone.BAD));
        for (KernelComparison k : r.kernels()) {
            summary.add(
                    new KeyValue(
                            "kernel " + k.kernel().era(),
                            String.format(
                                    "%s %s: %d agree, %d known, %d following one, %d unexplained,"
                                            + " %d missing",
                                    k.run().kernel().packageName(),
                                    k.run().kernel().version(),
                                    k.count(Verdict.AGREE),
                                    k.count(Verdict.KNOWN),
                                    k.count(Verdict.FOLLOWS),
                                    k.count(Verdict.DIFFERENT),
                                    k.count(Verdict.MISSING)),
                            k.passed() ? Tone.GOOD : Tone.BAD));
        }
        summary.add(
                new KeyValue(
                        "not checked",
                        r.unchecked().size() + " steps",
                        r.unchecked().isEmpty() ? Tone.NORMAL : Tone.MUTED));
        HtmlPage page =
                HtmlPage.titled(r.title())
                        .subtitle(
                                "the model at each kernel's era against the real kernel in a QEMU guest (TCG, intel-iommu, e1000e on vfio-pci)")
                        .keyValues("Summary", summary);
        for (KernelComparison k : r.kernels()) {
            List<Row> rows = new ArrayList<>();
            for (StepComparison s : k.steps()) {
                rows.add(
                        new Row(
                                List.of(
                                        s.scenario(),
                                        s.label(),
                                        s.verdict().name().toLowerCase(Locale.ROOT),
                                        answer(s.model()),
                                        answer(s.kernel()),
                                        kib(s.model()) + " | " + kib(s.kernel()),
                                        why(s)),
                                tone(s.verdict())));
            }
            for (String p : k.problems()) {
                rows.add(new Row(List.of("", "problem", "", p, "", "", ""), Tone.BAD));
            }
            page.table(
                    new Table(
                            "kernel "
                                    + k.kernel().era()
                                    + ": "
                                    + k.run().output().kernelRelease()
                                    + " (boot "
                                    + k.run().wall().toMillis()
                                    + " ms)",
                            List.of(
                                    "scenario",
                                    "step",
                                    "verdict",
                                    "model",
                                    "kernel",
                                    "locked_vm KiB model | kernel",
                                    "differences"),
                            rows));
        }
        if (!r.unchecked().isEmpty()) {
            page.table(
                    new Table(
                            "Not checked",
                            List.of("scenario", "step", "reason"),
                            r.unchecked().stream()
                                    .map(
                                            u ->
                                                    new Row(
                                                            List.of(
                                                                    u.scenario(),
                                                                    u.step(),
                                                                    u.reason()),
                                                            Tone.MUTED))
                                    .toList()));
        }
        return page.render();
    }

    private static Tone tone(Verdict v) {
        return switch (v) {
            case AGREE -> Tone.NORMAL;
            case KNOWN, FOLLOWS -> Tone.MUTED;
            case DIFFERENT, MISSING -> Tone.BAD;
        };
    }

    private static String why(StepComparison s) {
        List<String> parts = new ArrayList<>();
        for (FieldDiff d : s.diffs()) {
            parts.add(
                    d.field()
                            + ": model "
                            + (d.model().isEmpty() ? "(none)" : d.model())
                            + ", kernel "
                            + (d.kernel().isEmpty() ? "(none)" : d.kernel()));
        }
        s.known()
                .ifPresent(
                        k ->
                                parts.add(
                                        (s.verdict() == Verdict.FOLLOWS ? "follows from " : "")
                                                + k.id()
                                                + ": "
                                                + k.reason()));
        return String.join("; ", parts);
    }

    private static String answer(Optional<ProbeResult> r) {
        if (r.isEmpty()) {
            return "(no answer)";
        }
        String e = r.get().ok() ? "ok" : r.get().errno();
        String u = r.get().values().get("unmapped");
        return u == null ? e : e + ", unmapped " + u;
    }

    private static String kib(Optional<ProbeResult> r) {
        return r.map(x -> Long.toString(x.lockedKb())).orElse("-");
    }
}
