package io.vfio4j.cli.scenario;

import io.vfio4j.api.ioas.IommuOption;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.cli.scenario.NativeNames.Kind;
import io.vfio4j.cli.scenario.NativeNames.Ref;
import io.vfio4j.core.IommuContext;
import java.util.List;
import java.util.Map;

/**
 * A {@code /dev/iommu} context and its non-IOAS objects (docs/reference/iommufd.md §2, §5): open
 * and close, IOMMU_OPTION, IOMMU_DESTROY, HWPT_ALLOC, and the device cdev's bind, attach and
 * detach.
 */
final class IommufdSteps {
    private IommufdSteps() {}

    static final Flags HWPT_FLAGS =
            new Flags(
                    Map.of(
                            "nest_parent", NativeIommuOps.HWPT_NEST_PARENT,
                            "dirty_tracking", NativeIommuOps.HWPT_DIRTY_TRACKING));

    static final Map<String, Integer> OPTIONS =
            Map.of("rlimit_mode", IommuOption.RLIMIT_MODE, "huge_pages", IommuOption.HUGE_PAGES);

    static final Map<String, Integer> OPS =
            Map.of("set", IommuOption.OP_SET, "get", IommuOption.OP_GET);

    /** The name of a context opened without {@code as:}. */
    static final String DEFAULT_NAME = "iommufd";

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "iommufd_open",
                        List.of("process", "as"),
                        Map.of(),
                        "open /dev/iommu: a context of 'process' named by 'as' (default iommufd)",
                        IommufdSteps::parseOpen));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "iommufd_close",
                        List.of("iommufd"),
                        Map.of(),
                        "close a /dev/iommu context: every object destroyed, every charge undone",
                        (f, ctx) -> {
                            String c = ctx.natives.context(f);
                            return new Simple(c, ctx.natives.owner(c), Op.CLOSE, null, null);
                        }));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "iommufd_option",
                        List.of(
                                "iommufd",
                                "process",
                                "option",
                                "op",
                                "object",
                                "value",
                                "reserved"),
                        Map.of("value", Check.Unit.COUNT),
                        "IOMMU_OPTION: option rlimit_mode or huge_pages, op get or set (result"
                                + " value)",
                        IommufdSteps::parseOption));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "iommufd_destroy",
                        List.of("iommufd", "object"),
                        Map.of(),
                        "IOMMU_DESTROY of an object (a name or a raw id)",
                        (f, ctx) -> {
                            String c = ctx.natives.context(f);
                            return new Simple(
                                    c,
                                    ctx.natives.owner(c),
                                    Op.DESTROY,
                                    any(f, ctx, c, "object"),
                                    null);
                        }));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "device_bind",
                        List.of("iommufd", "device", "as"),
                        Map.of("id", Check.Unit.COUNT),
                        "VFIO_DEVICE_BIND_IOMMUFD of a PCI device's cdev (result id; named by 'as',"
                                + " default the device)",
                        IommufdSteps::parseBind));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "device_unbind",
                        List.of("iommufd", "device"),
                        Map.of(),
                        "close a bound device's cdev: detached first",
                        (f, ctx) -> simple(f, ctx, Op.UNBIND)));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "device_attach",
                        List.of("iommufd", "device", "to", "as"),
                        Map.of("hwpt", Check.Unit.COUNT),
                        "VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS or a HWPT (result hwpt, named by"
                                + " 'as')",
                        IommufdSteps::parseAttach));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "device_detach",
                        List.of("iommufd", "device"),
                        Map.of(),
                        "VFIO_DEVICE_DETACH_IOMMUFD_PT",
                        (f, ctx) -> simple(f, ctx, Op.DETACH)));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "hwpt_alloc",
                        List.of("iommufd", "device", "ioas", "flags", "as"),
                        Map.of("id", Check.Unit.COUNT),
                        "IOMMU_HWPT_ALLOC: a paging HWPT on an IOAS for a bound device's IOMMU;"
                                + " flags nest_parent, dirty_tracking (result id)",
                        IommufdSteps::parseHwpt));
    }

    private static Action parseOpen(Fields f, ParseContext ctx) {
        String process = ctx.liveProcess(f);
        YNode as = f.raw("as");
        String name = f.has("as") ? as.name() : DEFAULT_NAME;
        if (ctx.containers.containsKey(name)) {
            throw as.error(
                    "%s: '%s' is a container's name; give the context another with 'as:'",
                    as.what(), name);
        }
        ctx.natives.openContext(as, name, process);
        return new Open(name, process);
    }

    private static Ref any(Fields f, ParseContext ctx, String context, String key) {
        return ctx.natives.ref(f.req(key), context, Kind.IOAS, Kind.HWPT, Kind.DEVICE);
    }

    private static Action simple(Fields f, ParseContext ctx, Op op) {
        String c = ctx.natives.context(f);
        return new Simple(c, ctx.natives.owner(c), op, any(f, ctx, c, "device"), null);
    }

    /** An optional {@code as:} name for the object the step makes. */
    private static String name(Fields f, ParseContext ctx, Kind kind, String context) {
        if (!f.has("as")) {
            return null;
        }
        YNode n = f.req("as");
        String name = n.name();
        ctx.natives.define(n, name, kind, context);
        return name;
    }

    private static Action parseBind(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        YNode d = f.req("device");
        String device = d.text();
        if (ctx.groupOfDevice(device).isEmpty()) {
            throw d.error(
                    "%s: '%s' is not a PCI device of the host's IOMMU groups (only those have a"
                            + " cdev to bind)",
                    d.what(), device);
        }
        String name = name(f, ctx, Kind.DEVICE, c);
        if (name == null) {
            // Binding the same device again (EBUSY) keeps the name of the first bind.
            name = device;
            if (!ctx.natives.isDefined(name, Kind.DEVICE, c)) {
                ctx.natives.define(d, name, Kind.DEVICE, c);
            }
        }
        return new Bind(c, ctx.natives.owner(c), device, name);
    }

    private static Action parseAttach(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        Ref device = any(f, ctx, c, "device");
        Ref to = any(f, ctx, c, "to");
        return new Simple(
                c, ctx.natives.owner(c), Op.ATTACH, device, to, name(f, ctx, Kind.HWPT, c));
    }

    private static Action parseHwpt(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        Ref device = any(f, ctx, c, "device");
        Ref ioas = any(f, ctx, c, "ioas");
        int flags = f.opt("flags").map(HWPT_FLAGS::parse).orElse(0);
        return new Hwpt(c, ctx.natives.owner(c), device, ioas, flags, name(f, ctx, Kind.HWPT, c));
    }

    private static int choice(YNode n, Map<String, Integer> names) {
        String t = n.text().trim();
        for (Map.Entry<String, Integer> e : names.entrySet()) {
            if (e.getKey().equalsIgnoreCase(t)) {
                return e.getValue();
            }
        }
        if (t.matches("[0-9]+|0[xX][0-9a-fA-F]+")) {
            return (int) n.integer(0, 0xffff_ffffL);
        }
        throw n.error(
                "%s: '%s' is not a number or one of %s",
                n.what(), t, String.join(", ", names.keySet().stream().sorted().toList()));
    }

    private static Action parseOption(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        int option = choice(f.req("option"), OPTIONS);
        int op = choice(f.req("op"), OPS);
        Ref object = f.has("object") ? any(f, ctx, c, "object") : new Ref(null, 0);
        long value = f.opt("value").map(YNode::integer).orElse(0L);
        if (op == IommuOption.OP_GET && f.has("value")) {
            throw f.key("value")
                    .error(
                            "%s: a get returns the value: expect it ({value: N} under expect)",
                            f.node().what());
        }
        int reserved = f.opt("reserved").map(n -> (int) n.integer(0, 0xffff_ffffL)).orElse(0);
        return new Option(c, IoasSteps.caller(f, ctx, c), option, op, object, value, reserved);
    }

    /** What a {@link Simple} step does. */
    enum Op {
        CLOSE,
        DESTROY,
        UNBIND,
        ATTACH,
        DETACH
    }

    record Open(String iommufd, String process) implements Action {
        @Override
        public String describe() {
            return "open /dev/iommu as " + iommufd;
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.natives().opened(iommufd, run.vfio().openIommuContext());
            return Map.of();
        }
    }

    /**
     * Close, destroy, unbind, attach and detach: one object (or none), and for attach the IOAS or
     * HWPT it goes to and the name its HWPT gets.
     */
    record Simple(String iommufd, String process, Op op, Ref object, Ref to, String name)
            implements Action {
        Simple(String iommufd, String process, Op op, Ref object, Ref to) {
            this(iommufd, process, op, object, to, null);
        }

        @Override
        public String describe() {
            return switch (op) {
                case CLOSE -> "close " + iommufd;
                case DESTROY -> "IOMMU_DESTROY " + object;
                case UNBIND -> "unbind " + object;
                case ATTACH -> "ATTACH " + object + " to " + to;
                case DETACH -> "DETACH " + object;
            };
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            NativeRun n = run.natives();
            IommuContext c = n.context(iommufd);
            switch (op) {
                case CLOSE -> c.close();
                case DESTROY -> c.destroy(n.id(object));
                case UNBIND -> c.unbind(n.id(object));
                case DETACH -> c.detach(n.id(object));
                case ATTACH -> {
                    int hwpt = c.attach(n.id(object), n.id(to));
                    n.bind(name, hwpt);
                    return Map.of("hwpt", (long) hwpt);
                }
            }
            return Map.of();
        }
    }

    record Bind(String iommufd, String process, String device, String name) implements Action {
        @Override
        public String describe() {
            return "BIND " + device + (name.equals(device) ? "" : " as " + name) + " to " + iommufd;
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            int id = run.natives().context(iommufd).bind(device);
            run.natives().bind(name, id);
            return Map.of("id", (long) id);
        }
    }

    record Hwpt(String iommufd, String process, Ref device, Ref ioas, int flags, String name)
            implements Action {
        @Override
        public String describe() {
            return "HWPT_ALLOC for "
                    + device
                    + " on "
                    + ioas
                    + (flags != 0 ? " " + HWPT_FLAGS.describe(flags) : "")
                    + (name != null ? " as " + name : "");
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            NativeRun n = run.natives();
            int id = n.context(iommufd).hwptAlloc(n.id(device), n.id(ioas), flags);
            n.bind(name, id);
            return Map.of("id", (long) id);
        }
    }

    record Option(
            String iommufd,
            String process,
            int option,
            int op,
            Ref object,
            long value,
            int reserved)
            implements Action {
        @Override
        public String describe() {
            String o =
                    option == IommuOption.RLIMIT_MODE
                            ? "RLIMIT_MODE"
                            : option == IommuOption.HUGE_PAGES
                                    ? "HUGE_PAGES"
                                    : "option " + Integer.toUnsignedString(option);
            String what =
                    op == IommuOption.OP_GET
                            ? "GET"
                            : op == IommuOption.OP_SET
                                    ? "SET " + value
                                    : "op " + Integer.toUnsignedString(op);
            boolean global = object.name() == null && object.id() == 0;
            return "IOMMU_OPTION "
                    + o
                    + " "
                    + what
                    + (global ? "" : " of " + object)
                    + (reserved != 0 ? " reserved " + reserved : "");
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            long v =
                    run.natives()
                            .context(iommufd)
                            .option(
                                    run.nativeCaller(process),
                                    new IommuOption(
                                            option, op, run.natives().id(object), value, reserved));
            return Map.of("value", v);
        }
    }
}
