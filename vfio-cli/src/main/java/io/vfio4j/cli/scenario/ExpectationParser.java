package io.vfio4j.cli.scenario;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VendorLeak;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/** Reads a step's {@code expect:} map into an {@link Expectation}. */
final class ExpectationParser {
    private ExpectationParser() {}

    static Expectation parse(YNode n, StepKind kind, Action action, ParseContext ctx) {
        List<String> allowed = new ArrayList<>(ScenarioParser.EXPECT_COMMON);
        allowed.addAll(kind.results().keySet().stream().sorted().toList());
        Fields f = n.fields(allowed);
        Optional<Errno> errno = Optional.empty();
        Optional<Expectation.Observe> observe = Optional.empty();
        if (f.opt("errno").isPresent()) {
            YNode e = f.req("errno");
            List<String> names =
                    new ArrayList<>(Arrays.stream(Errno.values()).map(Errno::name).toList());
            names.add("none");
            names.add(Expectation.ANY);
            String v = e.choice(names);
            if (v.equals(Expectation.ANY)) {
                observe =
                        Optional.of(
                                new Expectation.Observe(
                                        e.line(),
                                        e.column(),
                                        Expectation.ANY.length(),
                                        "",
                                        f.key("errno").column(),
                                        n.isFlow(),
                                        f.present()));
            } else if (!v.equals("none")) {
                errno = Optional.of(Errno.valueOf(v));
            }
        }
        if (f.opt("record").isPresent()) {
            YNode r = f.req("record");
            YNode key = f.key("record");
            if (f.has("errno")) {
                throw key.error(
                        "%s: record: true is the other spelling of errno: any; give one of them",
                        n.what());
            }
            if (r.bool()) {
                if (r.endLine() != key.line()) {
                    throw r.error("%s: write record: true on one line", n.what());
                }
                observe =
                        Optional.of(
                                new Expectation.Observe(
                                        key.line(),
                                        key.column(),
                                        r.endColumn() - key.column(),
                                        "errno: ",
                                        key.column(),
                                        n.isFlow(),
                                        f.present()));
            }
        }
        boolean bug = f.bool("kernel_bug", false);
        if (bug && (errno.isPresent() || observe.isPresent())) {
            throw n.error("%s: a step cannot expect both an errno and a kernel BUG", n.what());
        }
        List<Check> checks = new ArrayList<>();
        perProcess(f, "locked_vm", action, ctx, checks);
        perContainer(f, "dma_avail", action, ctx, checks, Check.Unit.COUNT, BackendState::dmaAvail);
        perContainer(
                f,
                "pinned_pages",
                action,
                ctx,
                checks,
                Check.Unit.PAGES,
                BackendState::pinnedPages);
        perContainer(
                f,
                "pin_references",
                action,
                ctx,
                checks,
                Check.Unit.COUNT,
                BackendState::pinReferences);
        perContainer(f, "mappings", action, ctx, checks, Check.Unit.COUNT, BackendState::mappings);
        perContainer(f, "mapped", action, ctx, checks, Check.Unit.BYTES, BackendState::mappedBytes);
        f.opt("host_pinned_pages")
                .ifPresent(
                        v ->
                                checks.add(
                                        new Check(
                                                "host pinned pages",
                                                v.integer(),
                                                (run, r) -> run.host().memory().totalPinnedFrames(),
                                                Check.Unit.PAGES)));
        f.opt("leaks")
                .ifPresent(
                        v ->
                                checks.add(
                                        new Check(
                                                "vendor leaks reported",
                                                v.integer(),
                                                (run, r) -> (long) run.vfio().vendorLeaks().size(),
                                                Check.Unit.COUNT)));
        f.opt("leaked_pages")
                .ifPresent(
                        v ->
                                checks.add(
                                        new Check(
                                                "leaked pages reported",
                                                v.integer(),
                                                (run, r) ->
                                                        run.vfio().vendorLeaks().stream()
                                                                .mapToLong(l -> l.iovas().size())
                                                                .sum(),
                                                Check.Unit.PAGES)));
        f.opt("warnings")
                .ifPresent(
                        v ->
                                checks.add(
                                        new Check(
                                                "kernel warnings",
                                                v.integer(),
                                                (run, r) -> (long) run.vfio().warnings().size(),
                                                Check.Unit.COUNT)));
        f.opt("details").ifPresent(d -> details(d, action, ctx, checks));
        ModelChecks.parse(f, action, ctx, checks);
        BackendChecks.parse(f, action, ctx, checks);
        AccountingChecks.parse(f, action, ctx, checks);
        for (Map.Entry<String, Check.Unit> e : kind.results().entrySet()) {
            Optional<YNode> v = f.opt(e.getKey());
            if (v.isEmpty()) {
                continue;
            }
            String key = e.getKey();
            Object expected =
                    switch (e.getValue()) {
                        case TEXT ->
                                key.equals("hex")
                                        ? DeviceSteps.normalizeHex(v.get().text())
                                        : v.get().text();
                        case COUNT, PAGES -> v.get().integer();
                        default -> v.get().size();
                    };
            checks.add(new Check(key, expected, (run, r) -> r.get(key), e.getValue()));
        }
        return new Expectation(errno, bug, checks, observe);
    }

    /** The length a read step must read to compare with its expected data, or 0. */
    static int expectedDataLength(Expectation e) {
        for (Check c : e.checks()) {
            if (c.label().equals("data")) {
                return ((String) c.expected()).getBytes(StandardCharsets.UTF_8).length;
            }
            if (c.label().equals("hex")) {
                return ((String) c.expected()).length() / 2;
            }
        }
        return 0;
    }

    private static void perProcess(
            Fields f, String key, Action action, ParseContext ctx, List<Check> checks) {
        Optional<YNode> v = f.opt(key);
        if (v.isEmpty()) {
            return;
        }
        YNode n = v.get();
        if (n.isMap()) {
            for (YNode[] e : n.entries()) {
                String p = ctx.requireProcess(e[0]);
                checks.add(lockedCheck(p, e[1].integer()));
            }
            return;
        }
        String p = action.process() != null ? action.process() : ctx.defaultProcess();
        if (p == null) {
            throw n.error(
                    "%s: several processes are declared; write %s: {%s: N, ...}",
                    n.what(), key, String.join(": N, ", ctx.processes.keySet()));
        }
        checks.add(lockedCheck(p, n.integer()));
    }

    private static Check lockedCheck(String process, long pages) {
        return new Check(
                "locked_vm of " + process,
                pages,
                (run, r) -> run.lockedVm(process),
                Check.Unit.PAGES);
    }

    private static void perContainer(
            Fields f,
            String key,
            Action action,
            ParseContext ctx,
            List<Check> checks,
            Check.Unit unit,
            ToLongFunction<BackendState> read) {
        Optional<YNode> v = f.opt(key);
        if (v.isEmpty()) {
            return;
        }
        YNode n = v.get();
        if (n.isMap()) {
            for (YNode[] e : n.entries()) {
                String c = ctx.requireCounted(e[0]);
                checks.add(containerCheck(key, c, value(e[1], unit), unit, read));
            }
            return;
        }
        String c = container(action, ctx, n, key);
        checks.add(containerCheck(key, c, value(n, unit), unit, read));
    }

    private static long value(YNode n, Check.Unit unit) {
        return unit == Check.Unit.BYTES ? n.size() : n.integer();
    }

    private static String container(Action action, ParseContext ctx, YNode n, String key) {
        String c = action.container() != null ? action.container() : ctx.defaultContainer();
        if (c == null) {
            throw n.error(
                    "%s: several containers are declared; write %s: {%s: N, ...}",
                    n.what(), key, String.join(": N, ", ctx.containers.keySet()));
        }
        return c;
    }

    /**
     * A container without a backend (before SET_IOMMU, or released when its last group left) has no
     * mapping and no pin: the kernel freed them all (type1 {@code vfio_iommu_type1_release}, SPAPR
     * {@code tce_iommu_release}), so these counts read 0. Its dma_avail and backend details do not
     * exist: a later SET_IOMMU starts a new backend; an expectation of them fails saying so.
     */
    private static final List<String> ZERO_WITHOUT_BACKEND =
            List.of("pinned_pages", "pin_references", "mappings", "mapped");

    static Check.Absent noBackend(String container, String what) {
        return new Check.Absent(
                "container "
                        + container
                        + " has no IOMMU backend (none set yet, or released when its last group"
                        + " left): "
                        + what
                        + " has no value");
    }

    private static Check containerCheck(
            String key,
            String container,
            long expected,
            Check.Unit unit,
            ToLongFunction<BackendState> read) {
        Object without =
                ZERO_WITHOUT_BACKEND.contains(key) ? (Object) 0L : noBackend(container, key);
        return new Check(
                key.replace('_', ' ') + " of " + container,
                expected,
                (run, r) -> run.state(container).<Object>map(read::applyAsLong).orElse(without),
                unit);
    }

    private static void details(YNode n, Action action, ParseContext ctx, List<Check> checks) {
        String c = container(action, ctx, n, "details");
        for (YNode[] e : n.entries()) {
            String key = e[0].text();
            checks.add(
                    new Check(
                            "backend detail " + key + " of " + c,
                            e[1].integer(),
                            (run, r) -> {
                                Optional<BackendState> s = run.state(c);
                                return s.isPresent()
                                        ? s.get().details().get(key)
                                        : noBackend(c, "backend detail " + key);
                            },
                            Check.Unit.COUNT));
        }
    }

    /** Unused here; kept for symmetry with the JSON report. */
    static long leakedPages(List<VendorLeak> leaks) {
        return leaks.stream().mapToLong(l -> l.iovas().size()).sum();
    }
}
