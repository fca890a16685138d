package io.vfio4j.plan;

import java.util.ArrayList;
import java.util.List;

/** The plan as a table for a terminal. */
public final class PlanText {
    private PlanText() {}

    public static String render(PlanResult r) {
        StringBuilder out = new StringBuilder();
        DomainSpec d = r.domain();
        out.append("vfio4j plan: ")
                .append(d.name().isEmpty() ? "(unnamed)" : d.name())
                .append(" (")
                .append(d.file())
                .append(")\n");
        out.append("  ")
                .append(d.arch().name().toLowerCase(java.util.Locale.ROOT))
                .append(' ')
                .append(d.machine())
                .append(", ")
                .append(d.domainType())
                .append(", memory ")
                .append(Sizes.human(d.totalKiB() << 10))
                .append(", vIOMMU: ")
                .append(viommu(d))
                .append(", host pages ")
                .append(Sizes.human(r.pageSize()))
                .append("\n\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(
                new String[] {
                    "step",
                    "libvirt computes",
                    "limit in force",
                    "locked_vm",
                    "pinned_vm",
                    "verdict"
                });
        for (StepResult s : r.steps()) {
            rows.add(
                    new String[] {
                        s.label(),
                        bytes(s.libvirt().bytes()),
                        bytes(s.limitBytes()),
                        bytes(s.lockedVmBytes()),
                        bytes(s.pinnedVmBytes()),
                        s.verdict().name()
                    });
        }
        table(out, rows, "");
        for (StepResult s : r.steps()) {
            out.append("\n")
                    .append(s.label())
                    .append(": libvirt ")
                    .append(r.era().label())
                    .append(": ")
                    .append(s.libvirt().rule())
                    .append('\n');
            if (!s.containers().isEmpty()) {
                List<String[]> c = new ArrayList<>();
                c.add(new String[] {"container", "devices", "counter", "charged", "what it is"});
                for (ContainerCharge cc : s.containers()) {
                    c.add(
                            new String[] {
                                cc.name(),
                                String.join(",", cc.devices()),
                                cc.counter(),
                                bytes(cc.chargedBytes()),
                                cc.kind()
                            });
                }
                table(out, c, "  ");
            }
            s.failure()
                    .ifPresent(
                            f ->
                                    out.append("  refused under the limit: ")
                                            .append(f.device())
                                            .append(": ")
                                            .append(f.action())
                                            .append(": ")
                                            .append(f.errno())
                                            .append('\n'));
        }
        out.append('\n');
        out.append("peak locked_vm:          ")
                .append(pagesAndBytes(r.peakLockedVmBytes(), r.pageSize()))
                .append('\n');
        out.append("peak pinned_vm:          ")
                .append(pagesAndBytes(r.peakPinnedVmBytes(), r.pageSize()))
                .append('\n');
        out.append("minimum RLIMIT_MEMLOCK:  ").append(bytes(r.minMemlockBytes())).append('\n');
        for (String n : r.notModelled()) {
            out.append("not modelled: ").append(n).append('\n');
        }
        out.append("verdict: ").append(r.verdict().name()).append(explain(r)).append('\n');
        return out.toString();
    }

    /** Why the verdict, in one line. */
    static String explain(PlanResult r) {
        StepResult start = r.steps().get(0);
        return switch (r.verdict()) {
            case OK -> " (slack " + bytes(minSlack(r)) + " at the tightest step)";
            case TOO_LOW -> {
                StepResult s = r.firstFailing().orElse(start);
                yield " ("
                        + s.label()
                        + ": needs "
                        + bytes(s.needBytes())
                        + ", limit "
                        + bytes(s.limitBytes())
                        + s.failure()
                                .map(
                                        f ->
                                                "; first refused: "
                                                        + f.device()
                                                        + " "
                                                        + f.action()
                                                        + " "
                                                        + f.errno())
                                .orElse("")
                        + ")";
            }
            case NOT_NEEDED -> " (no device pins guest memory)";
            case NOT_MODELLED -> " (the modelled part needs " + bytes(r.minMemlockBytes()) + ")";
        };
    }

    /** The smallest slack (limit minus need) over the steps that are OK. */
    public static long minSlack(PlanResult r) {
        return r.steps().stream()
                .filter(s -> s.verdict() == Verdict.OK)
                .mapToLong(s -> s.limitBytes() - s.needBytes())
                .min()
                .orElse(0);
    }

    private static String viommu(DomainSpec d) {
        if (!d.iommuModels().isEmpty()) {
            return String.join(",", d.iommuModels()) + " (in the XML)";
        }
        return d.commandLineIommu()
                ? "on QEMU's command line only (libvirt does not see it)"
                : "none";
    }

    static String bytes(long b) {
        return b + " (" + Sizes.human(b) + ")";
    }

    private static String pagesAndBytes(long b, long pageSize) {
        return (b / pageSize) + " pages, " + bytes(b);
    }

    private static void table(StringBuilder out, List<String[]> rows, String indent) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] row : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < cols; i++) {
                line.append(row[i]);
                if (i < cols - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
