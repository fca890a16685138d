package io.vfio4j.cli.scenario;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Expectations of what a backend holds on to: the address space a container cached (SPAPR's {@code
 * container->mm}), the counted references on a process's address space (the kernel's {@code
 * mmgrab}: SPAPR's cached mm, each type1 mapping's {@code dma->mm}), and the permission bits of one
 * TCE as the endpoint (PE) reads them.
 */
final class BackendChecks {
    private BackendChecks() {}

    static final List<String> KEYS = List.of("cached_mm", "mm_references", "tce");

    /** The detail a backend reports its cached address space in: the space's id, 0 for none. */
    static final String CACHED_MM = "cachedMm";

    static final List<String> PERMISSIONS = List.of("none", "read", "write", "rw");

    static void parse(Fields f, Action action, ParseContext ctx, List<Check> checks) {
        f.opt("cached_mm").ifPresent(n -> cachedMm(n, action, ctx, checks));
        f.opt("mm_references").ifPresent(n -> references(n, action, ctx, checks));
        f.opt("tce")
                .ifPresent(
                        n ->
                                (n.isList() ? n.strictList() : List.of(n))
                                        .forEach(t -> tce(t, ctx, checks)));
    }

    /** {@code cached_mm: qemu} (the process whose current or last address space it is) or none. */
    private static void cachedMm(YNode n, Action action, ParseContext ctx, List<Check> checks) {
        String c = action.container() != null ? action.container() : ctx.defaultContainer();
        if (c == null) {
            throw n.error(
                    "%s: several containers are declared; cached_mm reads the step's container: give"
                            + " the step a 'container:'",
                    n.what());
        }
        String expected = n.text().equals("none") ? "none" : ctx.requireProcess(n);
        checks.add(
                new Check(
                        "address space cached by " + c,
                        expected,
                        (run, r) -> {
                            Optional<BackendState> s = run.state(c);
                            if (s.isEmpty()) {
                                return ExpectationParser.noBackend(c, "cached_mm");
                            }
                            Long id = s.get().details().get(CACHED_MM);
                            return id == null || id == 0 ? "none" : owner(run, ctx, id);
                        },
                        Check.Unit.TEXT));
    }

    /** The declared process whose current or last address space has {@code id}. */
    private static String owner(ScenarioRun run, ParseContext ctx, long id) {
        for (String p : ctx.processes.keySet()) {
            if (run.space(p).id() == id) {
                return p;
            }
        }
        return "address space " + id + " (no declared process's)";
    }

    private static void references(YNode n, Action action, ParseContext ctx, List<Check> checks) {
        if (n.isMap()) {
            for (YNode[] e : n.entries()) {
                checks.add(referencesCheck(ctx.requireProcess(e[0]), e[1].integer()));
            }
            return;
        }
        String p = action.process() != null ? action.process() : ctx.defaultProcess();
        if (p == null) {
            throw n.error(
                    "%s: several processes are declared; write mm_references: {%s: N, ...}",
                    n.what(), String.join(": N, ", ctx.processes.keySet()));
        }
        checks.add(referencesCheck(p, n.integer()));
    }

    private static Check referencesCheck(String process, long count) {
        return new Check(
                "counted references on the address space of " + process,
                count,
                (run, r) -> {
                    SimAddressSpace s = run.space(process);
                    return (long) s.references();
                },
                Check.Unit.COUNT);
    }

    /**
     * {@code {ioba: win64+4KiB, perm: rw, group: 1}}: the entry that translates the bus address.
     */
    private static void tce(YNode n, ParseContext ctx, List<Check> checks) {
        Fields f = n.fields(List.of("ioba", "perm", "group"));
        Addr ioba = ctx.addr(f.req("ioba"));
        String perm = f.req("perm").choice(PERMISSIONS).toLowerCase(Locale.ROOT);
        int group;
        if (f.has("group")) {
            ParseContext.GroupRef g = ctx.group(f.req("group"));
            if (g.mdev() != null) {
                throw f.req("group").error("%s: an mdev has no TCE table", f.req("group").what());
            }
            group = g.iommuGroup();
        } else {
            List<Model.GroupDef> withTce =
                    ctx.host.groups().stream().filter(g -> g.tce().isPresent()).toList();
            if (withTce.size() != 1) {
                throw n.error(
                        "%s: the host declares %s; say which with 'group:'",
                        n.what(),
                        withTce.isEmpty()
                                ? "no group with a 'tce:' endpoint"
                                : "several TCE groups");
            }
            group = withTce.get(0).id();
        }
        checks.add(
                new Check(
                        "permissions of the TCE for " + ioba + " in group " + group,
                        perm,
                        (run, r) -> {
                            Optional<TceTableGroup> pe =
                                    run.host()
                                            .iommuGroup(group)
                                            .flatMap(SimIommuGroup::tceTableGroup);
                            if (pe.isEmpty() || !(pe.get() instanceof PowerNvTableGroup p)) {
                                return new Check.Absent(
                                        "group " + group + " has no TCE table group");
                            }
                            long bits = p.dmaPermissions(run.resolve(ioba));
                            return PERMISSIONS.get((int) bits);
                        },
                        Check.Unit.TEXT));
    }
}
