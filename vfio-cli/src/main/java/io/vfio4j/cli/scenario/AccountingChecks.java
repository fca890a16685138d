package io.vfio4j.cli.scenario;

import java.util.List;

/**
 * Expectations of the counters iommufd charges next to {@code locked_vm}: a process's {@code
 * pinned_vm} ({@code VmPin}) and the {@code locked_vm} of the user that owns it (shared by every
 * process of that uid). Written like {@code locked_vm}: a number for the step's (or the only)
 * process, or {@code {process: N, ...}}.
 */
final class AccountingChecks {
    private AccountingChecks() {}

    static final List<String> KEYS = List.of("pinned_vm", "user_locked_vm");

    static void parse(Fields f, Action action, ParseContext ctx, List<Check> checks) {
        f.opt("pinned_vm")
                .ifPresent(
                        n ->
                                perProcess(
                                        n,
                                        "pinned_vm",
                                        action,
                                        ctx,
                                        checks,
                                        (run, p) -> run.space(p).pinnedVm()));
        f.opt("user_locked_vm")
                .ifPresent(
                        n ->
                                perProcess(
                                        n,
                                        "user_locked_vm",
                                        action,
                                        ctx,
                                        checks,
                                        (run, p) -> run.process(p).user().lockedVm()));
    }

    /** Reads one counter of a process after the step. */
    @FunctionalInterface
    private interface Counter {
        long read(ScenarioRun run, String process);
    }

    private static void perProcess(
            YNode n,
            String key,
            Action action,
            ParseContext ctx,
            List<Check> checks,
            Counter counter) {
        if (n.isMap()) {
            for (YNode[] e : n.entries()) {
                String p = ctx.requireProcess(e[0]);
                checks.add(check(key, p, e[1].integer(), counter));
            }
            return;
        }
        String p = action.process() != null ? action.process() : ctx.defaultProcess();
        if (p == null) {
            throw n.error(
                    "%s: several processes are declared; write %s: {%s: N, ...}",
                    n.what(), key, String.join(": N, ", ctx.processes.keySet()));
        }
        checks.add(check(key, p, n.integer(), counter));
    }

    private static Check check(String key, String process, long pages, Counter counter) {
        String label = key.equals("pinned_vm") ? "pinned_vm of " : "user locked_vm of ";
        return new Check(
                label + process, pages, (run, r) -> counter.read(run, process), Check.Unit.PAGES);
    }
}
