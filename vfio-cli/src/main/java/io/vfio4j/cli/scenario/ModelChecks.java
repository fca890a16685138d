package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.PinnedRun;
import io.vfio4j.mdev.ScriptedDevice;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Expectations of what the model records beside the counters: a process's peak locked_vm, WARN
 * texts, the DMA-unmap notifications each mdev's vendor driver got, and one host page's pin count
 * and dirty state.
 */
final class ModelChecks {
    private ModelChecks() {}

    static final List<String> KEYS =
            List.of("peak_locked_vm", "warned", "notifications", "host_page");

    static void parse(Fields f, Action action, ParseContext ctx, List<Check> checks) {
        f.opt("peak_locked_vm").ifPresent(n -> peak(n, action, ctx, checks));
        f.opt("warned").ifPresent(n -> n.list().forEach(t -> checks.add(warned(t.text()))));
        f.opt("notifications").ifPresent(n -> notifications(n, ctx, checks));
        f.opt("host_page").ifPresent(n -> hostPage(n, action, ctx, checks));
    }

    private static void peak(YNode n, Action action, ParseContext ctx, List<Check> checks) {
        if (n.isMap()) {
            for (YNode[] e : n.entries()) {
                checks.add(peakCheck(ctx.requireProcess(e[0]), e[1].integer()));
            }
            return;
        }
        String p = action.process() != null ? action.process() : ctx.defaultProcess();
        if (p == null) {
            throw n.error(
                    "%s: several processes are declared; write peak_locked_vm: {%s: N, ...}",
                    n.what(), String.join(": N, ", ctx.processes.keySet()));
        }
        checks.add(peakCheck(p, n.integer()));
    }

    private static Check peakCheck(String process, long pages) {
        return new Check(
                "peak locked_vm of " + process,
                pages,
                (run, r) -> run.peakLocked(process),
                Check.Unit.PAGES);
    }

    /** Some kernel WARN issued so far contains {@code text}. */
    private static Check warned(String text) {
        return new Check(
                "a WARN containing",
                text,
                (run, r) -> {
                    List<String> all = run.vfio().warnings();
                    if (all.stream().anyMatch(w -> w.contains(text))) {
                        return text;
                    }
                    return new Check.Absent(
                            "no WARN contains it; WARNs so far: "
                                    + (all.isEmpty() ? "(none)" : String.join(" | ", all)));
                },
                Check.Unit.TEXT);
    }

    /** {@code {vgpu: 2}} (a count) or {@code {vgpu: [{iova: 0, size: 64MiB}]}} (each one). */
    private static void notifications(YNode n, ParseContext ctx, List<Check> checks) {
        if (!n.isMap()) {
            throw n.error(
                    "%s: write {device: count} or {device: [{iova: A, size: S}, ...]}", n.what());
        }
        for (YNode[] e : n.entries()) {
            String device = ctx.device(e[0]);
            if (e[1].isScalar()) {
                long count = e[1].integer();
                checks.add(
                        new Check(
                                "DMA-unmap notifications to " + device,
                                count,
                                (run, r) ->
                                        vendor(run, device)
                                                .<Object>map(v -> (long) v.notifications().size())
                                                .orElse(notAnMdev(device)),
                                Check.Unit.COUNT));
                continue;
            }
            StringJoiner expected = new StringJoiner("; ");
            for (YNode item : e[1].strictList()) {
                Fields one = item.fields(List.of("iova", "size"));
                expected.add(show(one.req("iova").size(), one.req("size").size()));
            }
            String text = expected.length() == 0 ? "(none)" : expected.toString();
            checks.add(
                    new Check(
                            "DMA-unmap notifications to " + device,
                            text,
                            (run, r) ->
                                    vendor(run, device)
                                            .<Object>map(ModelChecks::shown)
                                            .orElse(notAnMdev(device)),
                            Check.Unit.TEXT));
        }
    }

    private static Optional<ScriptedDevice> vendor(ScenarioRun run, String device) {
        return run.vendor(device);
    }

    private static Check.Absent notAnMdev(String device) {
        return new Check.Absent(device + " is not a live mdev: it has no vendor driver to notify");
    }

    private static String shown(ScriptedDevice v) {
        StringJoiner j = new StringJoiner("; ");
        v.notifications().forEach(x -> j.add(show(x.iova(), x.length())));
        return j.length() == 0 ? "(none)" : j.toString();
    }

    private static String show(long iova, long size) {
        return "iova " + Sizes.hex(iova) + " size " + Sizes.hex(size);
    }

    /** {@code {vaddr: ram+4KiB, process: qemu, pins: 1, dirty: true}}: the host frame behind it. */
    private static void hostPage(YNode n, Action action, ParseContext ctx, List<Check> checks) {
        Fields f = n.fields(List.of("vaddr", "process", "pins", "dirty"));
        Addr vaddr = ctx.addr(f.req("vaddr"));
        String p =
                f.opt("process")
                        .map(ctx::requireProcess)
                        .orElse(action.process() != null ? action.process() : ctx.defaultProcess());
        if (p == null) {
            throw n.error(
                    "%s: several processes are declared; say which with 'process:'", n.what());
        }
        if (!f.has("pins") && !f.has("dirty")) {
            throw n.error("%s: give 'pins', 'dirty' or both", n.what());
        }
        String label = "host page at " + vaddr + " of " + p;
        f.opt("pins")
                .ifPresent(
                        v ->
                                checks.add(
                                        new Check(
                                                "pins on the " + label,
                                                v.integer(),
                                                (run, r) ->
                                                        frame(run, p, vaddr)
                                                                .<Object>map(
                                                                        pfn ->
                                                                                run.host()
                                                                                        .memory()
                                                                                        .pinCount(
                                                                                                pfn))
                                                                .orElse(unmapped(vaddr)),
                                                Check.Unit.COUNT)));
        f.opt("dirty")
                .ifPresent(
                        v ->
                                checks.add(
                                        new Check(
                                                "state of the " + label,
                                                v.bool() ? "dirty" : "clean",
                                                (run, r) ->
                                                        frame(run, p, vaddr)
                                                                .<Object>map(
                                                                        pfn ->
                                                                                run.host()
                                                                                                .memory()
                                                                                                .isDirty(
                                                                                                        pfn)
                                                                                        ? "dirty"
                                                                                        : "clean")
                                                                .orElse(unmapped(vaddr)),
                                                Check.Unit.TEXT)));
    }

    private static Check.Absent unmapped(Addr vaddr) {
        return new Check.Absent("no host page backs " + vaddr);
    }

    private static Optional<Long> frame(ScenarioRun run, String process, Addr vaddr) {
        try {
            PinnedRun r = run.space(process).translate(run.resolve(vaddr), 1);
            return r.reserved() ? Optional.empty() : Optional.of(r.pfn());
        } catch (RuntimeException e) {
            // A hole, an unmapped address or a dead address space: no page to describe.
            return Optional.empty();
        }
    }
}
