package io.vfio4j.oracle;

import java.util.Optional;

/**
 * The report as text: per kernel, every operation side by side (errno, unmapped size, locked_vm;
 * then the other fields that differ), the verdict, and the steps not checked.
 */
public final class TextReport {
    private TextReport() {}

    public static String render(OracleReport r, boolean onlyDifferences) {
        StringBuilder b = new StringBuilder();
        b.append(r.title()).append('\n');
        for (KernelComparison k : r.kernels()) {
            KernelRun run = k.run();
            b.append('\n')
                    .append("kernel ")
                    .append(k.kernel().era())
                    .append(": ")
                    .append(run.kernel().packageName())
                    .append(' ')
                    .append(run.kernel().version())
                    .append(" (")
                    .append(run.output().kernelRelease())
                    .append(", boot ")
                    .append(run.wall().toMillis())
                    .append(" ms); model at vfio4j.kernel=")
                    .append(k.kernel().era())
                    .append('\n');
            b.append(
                    String.format(
                            "  %-10s %-46s %-22s %-22s %s%n",
                            "verdict",
                            "step",
                            "model errno/unmapped",
                            "kernel errno/unmapped",
                            "locked_vm KiB model|kernel"));
            String scenario = "";
            for (StepComparison s : k.steps()) {
                if (onlyDifferences && s.verdict() == Verdict.AGREE) {
                    continue;
                }
                if (!s.scenario().equals(scenario)) {
                    scenario = s.scenario();
                    b.append("  [").append(scenario).append("]\n");
                }
                b.append(
                        String.format(
                                "  %-10s %-46s %-22s %-22s %s|%s%n",
                                s.verdict().name().toLowerCase(java.util.Locale.ROOT),
                                cut(s.label(), 46),
                                answer(s.model()),
                                answer(s.kernel()),
                                s.model().map(m -> Long.toString(m.lockedKb())).orElse("-"),
                                s.kernel().map(m -> Long.toString(m.lockedKb())).orElse("-")));
                for (FieldDiff d : s.diffs()) {
                    b.append(
                            String.format(
                                    "  %-10s   %s: model %s, kernel %s%n",
                                    "", d.field(), show(d.model()), show(d.kernel())));
                }
                String follows = s.verdict() == Verdict.FOLLOWS ? "follows from " : "";
                s.known()
                        .ifPresent(
                                d ->
                                        b.append(
                                                String.format(
                                                        "  %-10s   %s%s: %s (%s)%n",
                                                        "",
                                                        follows,
                                                        d.id(),
                                                        d.reason(),
                                                        d.where())));
            }
            for (String p : k.problems()) {
                b.append("  problem: ").append(p).append('\n');
            }
            b.append(
                    String.format(
                            "  %d agree, %d known differences, %d following one, %d unexplained, %d missing%n",
                            k.count(Verdict.AGREE),
                            k.count(Verdict.KNOWN),
                            k.count(Verdict.FOLLOWS),
                            k.count(Verdict.DIFFERENT),
                            k.count(Verdict.MISSING)));
        }
        if (!r.unchecked().isEmpty()) {
            b.append("\nnot checked (no real host here can perform them):\n");
            for (OraclePlan.Unchecked u : r.unchecked()) {
                b.append("  [")
                        .append(u.scenario())
                        .append("] ")
                        .append(u.step())
                        .append(": ")
                        .append(u.reason())
                        .append('\n');
            }
        }
        b.append('\n')
                .append(r.passed() ? "oracle: agreed" : "oracle: UNEXPLAINED DIFFERENCES")
                .append('\n');
        return b.toString();
    }

    private static String answer(Optional<ProbeResult> r) {
        if (r.isEmpty()) {
            return "(no answer)";
        }
        String e = r.get().ok() ? "ok" : r.get().errno();
        String u = r.get().values().get("unmapped");
        return u == null ? e : e + " " + u;
    }

    private static String show(String v) {
        return v.isEmpty() ? "(none)" : v;
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
