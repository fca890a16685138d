package io.vfio4j.plan;

import io.vfio4j.report.BarChart;
import io.vfio4j.report.HtmlPage;
import io.vfio4j.report.KeyValue;
import io.vfio4j.report.Row;
import io.vfio4j.report.Svg;
import io.vfio4j.report.Table;
import io.vfio4j.report.Tone;
import io.vfio4j.report.Unit;
import java.util.ArrayList;
import java.util.List;

/** The plan as one self-contained HTML page: a summary, need against limit per step, the tables. */
public final class PlanHtml {
    private PlanHtml() {}

    public static String render(PlanResult r) {
        DomainSpec d = r.domain();
        HtmlPage page =
                HtmlPage.titled("vfio4j plan — " + (d.name().isEmpty() ? d.file() : d.name()))
                        .subtitle(
                                d.arch().name().toLowerCase(java.util.Locale.ROOT)
                                        + " "
                                        + d.machine()
                                        + ", "
                                        + d.domainType()
                                        + ", memory "
                                        + Sizes.human(d.totalKiB() << 10)
                                        + ", libvirt rules: "
                                        + r.era().label());
        Tone verdictTone =
                switch (r.verdict()) {
                    case OK, NOT_NEEDED -> Tone.GOOD;
                    case TOO_LOW -> Tone.BAD;
                    case NOT_MODELLED -> Tone.MUTED;
                };
        List<KeyValue> summary = new ArrayList<>();
        summary.add(new KeyValue("verdict", r.verdict().name() + PlanText.explain(r), verdictTone));
        summary.add(
                new KeyValue(
                        "libvirt's limit at start",
                        PlanText.bytes(r.steps().get(0).libvirt().bytes()),
                        Tone.NORMAL));
        summary.add(
                new KeyValue(
                        "minimum RLIMIT_MEMLOCK",
                        PlanText.bytes(r.minMemlockBytes()),
                        Tone.NORMAL));
        summary.add(
                new KeyValue("peak locked_vm", PlanText.bytes(r.peakLockedVmBytes()), Tone.NORMAL));
        summary.add(
                new KeyValue("peak pinned_vm", PlanText.bytes(r.peakPinnedVmBytes()), Tone.NORMAL));
        r.firstFailing()
                .flatMap(StepResult::failure)
                .ifPresent(
                        f ->
                                summary.add(
                                        new KeyValue(
                                                "first refused call",
                                                f.device() + ": " + f.action() + ": " + f.errno(),
                                                Tone.BAD)));
        for (String n : r.notModelled()) {
            summary.add(new KeyValue("not modelled", n, Tone.MUTED));
        }
        page.keyValues("Summary", summary).figure("Need against limit at each step", chart(r));
        if (r.steps().stream().anyMatch(s -> s.limitBytes() == LibvirtLimit.UNLIMITED)) {
            page.paragraph("An unlimited limit (2^53 - 1) is drawn at twice the largest need.");
        }
        List<Row> rows = new ArrayList<>();
        for (StepResult s : r.steps()) {
            rows.add(
                    new Row(
                            List.of(
                                    s.label(),
                                    PlanText.bytes(s.libvirt().bytes()),
                                    PlanText.bytes(s.limitBytes()),
                                    PlanText.bytes(s.lockedVmBytes()),
                                    PlanText.bytes(s.pinnedVmBytes()),
                                    s.verdict().name()),
                            s.verdict() == Verdict.TOO_LOW ? Tone.BAD : Tone.NORMAL));
        }
        page.table(
                new Table(
                        "Steps",
                        List.of(
                                "step",
                                "libvirt computes",
                                "limit in force",
                                "locked_vm",
                                "pinned_vm",
                                "verdict"),
                        rows));
        for (StepResult s : r.steps()) {
            List<Row> c = new ArrayList<>();
            for (ContainerCharge cc : s.containers()) {
                c.add(
                        new Row(
                                List.of(
                                        cc.name(),
                                        String.join(", ", cc.devices()),
                                        cc.counter(),
                                        PlanText.bytes(cc.chargedBytes()),
                                        cc.kind())));
            }
            if (!c.isEmpty()) {
                page.table(
                        new Table(
                                "Charges after " + s.label(),
                                List.of("container", "devices", "counter", "charged", "what it is"),
                                c));
            }
            page.paragraph(s.label() + " — libvirt: " + s.libvirt().rule());
        }
        return page.render();
    }

    private static Svg chart(PlanResult r) {
        List<StepResult> steps = r.steps();
        long maxNeed = Math.max(1, r.minMemlockBytes());
        long[] need = new long[steps.size()];
        long[] limit = new long[steps.size()];
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            StepResult s = steps.get(i);
            labels.add(s.label());
            need[i] = s.needBytes();
            limit[i] = s.limitBytes() == LibvirtLimit.UNLIMITED ? 2 * maxNeed : s.limitBytes();
        }
        return BarChart.builder()
                .title("vfio4j's need and libvirt's limit")
                .yLabel("bytes")
                .yUnit(Unit.BYTES)
                .categories(labels)
                .series("vfio4j need", need)
                .series("libvirt limit", limit)
                .build();
    }
}
