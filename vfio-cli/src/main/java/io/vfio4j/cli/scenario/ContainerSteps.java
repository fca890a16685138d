package io.vfio4j.cli.scenario;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.DirtyBitmapRequest;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/** Steps on containers and groups: attach, detach, SET_IOMMU, CHECK_EXTENSION, GET_INFO, dirty. */
final class ContainerSteps {
    private ContainerSteps() {}

    /** Extension names accepted by check_extension (and IOMMU types by set_iommu). */
    static final Map<String, Long> EXTENSIONS = new LinkedHashMap<>();

    static {
        for (IommuType t : IommuType.values()) {
            EXTENSIONS.put(t.name(), (long) t.id());
        }
        EXTENSIONS.put("DMA_CC", CheckExtension.DMA_CC);
        EXTENSIONS.put("EEH", CheckExtension.EEH);
        EXTENSIONS.put("TYPE1_NESTING", CheckExtension.TYPE1_NESTING);
        EXTENSIONS.put("UNMAP_ALL", CheckExtension.UNMAP_ALL);
        EXTENSIONS.put("UPDATE_VADDR", CheckExtension.UPDATE_VADDR);
    }

    static void register(Map<String, StepKind> kinds) {
        add(
                kinds,
                new StepKind(
                        "attach",
                        List.of("group", "container", "process"),
                        Map.of(),
                        "VFIO_GROUP_SET_CONTAINER: put a group (number, PCI device or mdev) in a container",
                        (f, ctx) ->
                                new Attach(
                                        ctx.group(f.req("group")),
                                        ctx.container(f),
                                        ctx.process(f))));
        add(
                kinds,
                new StepKind(
                        "detach",
                        List.of("group", "container", "by"),
                        Map.of(),
                        "VFIO_GROUP_UNSET_CONTAINER: take a group out of its container (by:"
                                + " the process making the call)",
                        (f, ctx) ->
                                new Detach(
                                        ctx.group(f.req("group")),
                                        f.opt("container")
                                                .map(ctx::requireContainer)
                                                .orElse(ctx.defaultContainer()),
                                        f.opt("by").map(n -> by(n, ctx)).orElse(null))));
        add(
                kinds,
                new StepKind(
                        "set_iommu",
                        List.of("container", "type", "backend"),
                        Map.of(),
                        "VFIO_SET_IOMMU: choose the IOMMU type (and optionally the backend)",
                        ContainerSteps::parseSetIommu));
        add(
                kinds,
                new StepKind(
                        "check_extension",
                        List.of("container", "extension", "process"),
                        Map.of("value", Check.Unit.COUNT),
                        "VFIO_CHECK_EXTENSION: result 'value'",
                        (f, ctx) ->
                                new CheckExt(
                                        ctx.container(f),
                                        ctx.process(f),
                                        extension(f.req("extension")))));
        add(
                kinds,
                new StepKind(
                        "get_info",
                        List.of("container", "process", "argsz"),
                        Map.of(
                                "page_sizes", Check.Unit.ADDRESS,
                                "iova_ranges", Check.Unit.COUNT,
                                "info_dma_avail", Check.Unit.COUNT,
                                "info_flags", Check.Unit.ADDRESS,
                                "info_argsz", Check.Unit.COUNT,
                                "info_caps", Check.Unit.TEXT,
                                "iova_range_list", Check.Unit.TEXT,
                                "migration", Check.Unit.COUNT,
                                "migration_page_sizes", Check.Unit.ADDRESS,
                                "migration_max_bitmap", Check.Unit.BYTES),
                        "VFIO_IOMMU_GET_INFO: results page_sizes, info_flags, info_argsz, info_caps,"
                                + " iova_ranges,"
                                + " iova_range_list, info_dma_avail, migration,"
                                + " migration_page_sizes, migration_max_bitmap",
                        (f, ctx) ->
                                new Info(
                                        ctx.container(f),
                                        ctx.process(f),
                                        f.opt("argsz")
                                                .map(n -> n.intValue(0, 1 << 20))
                                                .orElse(4096))));
        add(
                kinds,
                new StepKind(
                        "dirty_pages",
                        List.of(
                                "container",
                                "process",
                                "op",
                                "flags",
                                "iova",
                                "size",
                                "page_size",
                                "argsz"),
                        Map.of("dirty_pages", Check.Unit.COUNT),
                        "VFIO_IOMMU_DIRTY_PAGES: op start, stop or get_bitmap, or a raw flags word"
                                + " (result dirty_pages)",
                        ContainerSteps::parseDirty));
    }

    static void add(Map<String, StepKind> kinds, StepKind k) {
        if (kinds.put(k.key(), k) != null) {
            throw new IllegalStateException("two step kinds named " + k.key());
        }
    }

    static long extension(YNode n) {
        String t = n.text();
        for (Map.Entry<String, Long> e : EXTENSIONS.entrySet()) {
            if (e.getKey().equalsIgnoreCase(t)) {
                return e.getValue();
            }
        }
        if (t.matches("[0-9]+")) {
            return n.integer();
        }
        throw n.error(
                "%s: '%s' is not a number or one of %s",
                n.what(), t, String.join(", ", EXTENSIONS.keySet()));
    }

    static String extensionName(long id) {
        for (Map.Entry<String, Long> e : EXTENSIONS.entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        return String.valueOf(id);
    }

    private static Action parseSetIommu(Fields f, ParseContext ctx) {
        String container = ctx.container(f);
        Model.ContainerDef def = ctx.containers.get(container);
        Optional<String> backend = f.opt("backend").map(YNode::name).or(def::backend);
        Optional<Long> type;
        if (f.opt("type").isPresent()) {
            type = Optional.of(extension(f.req("type")));
        } else {
            type = def.iommu().map(t -> EXTENSIONS.getOrDefault(t, -1L));
        }
        if (backend.isPresent() && type.isPresent() && IommuType.ofId(type.get()).isEmpty()) {
            throw f.node()
                    .error(
                            "set_iommu: with a backend the type must be an IOMMU type (%s)",
                            java.util.Arrays.toString(IommuType.values()));
        }
        return new SetIommu(container, type, backend, ctx.defaultProcess());
    }

    static final Flags DIRTY_FLAGS =
            new Flags(
                    Map.of(
                            "start",
                            DirtyPages.START,
                            "stop",
                            DirtyPages.STOP,
                            "get_bitmap",
                            DirtyPages.GET_BITMAP));

    private static Action parseDirty(Fields f, ParseContext ctx) {
        int flags;
        if (f.has("flags") == f.has("op")) {
            throw f.node().error("dirty_pages: give exactly one of 'op' and 'flags'");
        } else if (f.has("flags")) {
            // A raw word reaches the backend as written: START|STOP in one call, unknown bits.
            flags = DIRTY_FLAGS.parse(f.req("flags"));
        } else {
            f.req("op").choice(List.of("start", "stop", "get_bitmap"));
            flags = DIRTY_FLAGS.parse(f.req("op"));
        }
        boolean get = (flags & DirtyPages.GET_BITMAP) != 0;
        long iova = 0;
        long size = 0;
        if (get) {
            iova = f.req("iova").size();
            size = f.req("size").size();
        }
        long pgsize = f.opt("page_size").map(YNode::size).orElse(ctx.pageSize());
        int argsz =
                f.opt("argsz")
                        .map(n -> n.intValue(0, 1 << 20))
                        .orElse(get ? DirtyPages.MIN_ARGSZ_GET : DirtyPages.MIN_ARGSZ);
        return new Dirty(ctx.container(f), ctx.process(f), flags, argsz, iova, size, pgsize);
    }

    record Attach(ParseContext.GroupRef group, String container, String process) implements Action {
        @Override
        public String describe() {
            return "attach " + group + " to " + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.group(group).setContainer(run.process(process), run.container(container));
            return Map.of();
        }
    }

    /** A process that makes a call for the step: declared and not exited. */
    private static String by(YNode n, ParseContext ctx) {
        String p = ctx.requireProcess(n);
        Integer when = ctx.exited.get(p);
        if (when != null) {
            throw n.error(
                    "%s: process '%s' exited at step %d; it can do nothing after that",
                    n.what(), p, when);
        }
        return p;
    }

    /**
     * UNSET_CONTAINER. The core's call carries no caller (type1 and SPAPR account each mapping to
     * its owner's mm, as the kernel's {@code vfio_lock_acct} does with {@code dma->mm}), so {@code
     * by} names the process whose locked_vm the trace and the expectations read.
     */
    record Detach(ParseContext.GroupRef group, String container, String by) implements Action {
        @Override
        public String describe() {
            return "detach " + group + (by != null ? " by " + by : "");
        }

        @Override
        public String process() {
            return by;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioGroup g = run.group(group);
            g.unsetContainer();
            return Map.of();
        }
    }

    record SetIommu(String container, Optional<Long> type, Optional<String> backend, String process)
            implements Action {
        @Override
        public String describe() {
            return "SET_IOMMU "
                    + type.map(ContainerSteps::extensionName).orElse("(default)")
                    + backend.map(b -> " via " + b).orElse("")
                    + " on "
                    + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioContainer c = run.container(container);
            if (backend.isPresent()) {
                IommuType t =
                        type.flatMap(IommuType::ofId)
                                .orElseGet(
                                        () ->
                                                run.vfio()
                                                        .backends()
                                                        .require(backend.get())
                                                        .preferredType());
                c.setIommu(backend.get(), t);
            } else if (type.isPresent()) {
                c.setIommu(type.get());
            } else {
                c.setIommu();
            }
            return Map.of();
        }
    }

    record CheckExt(String container, String process, long extension) implements Action {
        @Override
        public String describe() {
            return "CHECK_EXTENSION " + extensionName(extension) + " on " + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            int v = run.container(container).checkExtension(run.process(process), extension);
            return Map.of("value", (long) v);
        }
    }

    record Info(String container, String process, int argsz) implements Action {
        @Override
        public String describe() {
            return "GET_INFO on " + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            GetInfo.Info info =
                    run.container(container).ioctl(run.process(process), new GetInfo(argsz));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("page_sizes", info.pageSizes());
            out.put("info_flags", (long) info.flags());
            // The argsz written back: raised to the size the whole answer needs when it was less
            // (type1 vfio_iommu_type1_get_info), else left as the caller gave it.
            out.put("info_argsz", (long) Math.max(argsz, info.argsz()));
            long ranges = 0;
            out.put("migration", 0L);
            // Only emulated (mdev) groups: no domain, so no IOVA range capability (type1
            // vfio_iommu_iova_build_caps returns early on an empty list).
            out.put("iova_range_list", "(none)");
            // The capability chain in the order the kernel links it (type1
            // vfio_iommu_type1_get_info); none when argsz was too small to receive it.
            StringJoiner chain = new StringJoiner(", ");
            for (GetInfo.Capability c : info.capabilities()) {
                chain.add(
                        c instanceof GetInfo.MigrationCap
                                ? "migration"
                                : c instanceof GetInfo.DmaAvailCap ? "dma_avail" : "iova_range");
            }
            out.put("info_caps", chain.length() == 0 ? "(none)" : chain.toString());
            for (GetInfo.Capability c : info.capabilities()) {
                if (c instanceof GetInfo.IovaRangeCap r) {
                    ranges = r.ranges().size();
                    StringJoiner j = new StringJoiner(", ");
                    r.ranges().forEach(x -> j.add(Sizes.hex(x.start()) + "-" + Sizes.hex(x.end())));
                    out.put("iova_range_list", j.toString());
                } else if (c instanceof GetInfo.DmaAvailCap a) {
                    out.put("info_dma_avail", a.avail());
                } else if (c instanceof GetInfo.MigrationCap m) {
                    out.put("migration", 1L);
                    out.put("migration_page_sizes", m.pageSizeBitmap());
                    out.put("migration_max_bitmap", m.maxDirtyBitmapSize());
                }
            }
            out.put("iova_ranges", ranges);
            return out;
        }
    }

    record Dirty(
            String container,
            String process,
            int flags,
            int argsz,
            long iova,
            long size,
            long pgsize)
            implements Action {
        @Override
        public String describe() {
            String s = "DIRTY_PAGES " + DIRTY_FLAGS.describe(flags).toUpperCase(Locale.ROOT);
            if ((flags & DirtyPages.GET_BITMAP) != 0) {
                s += " iova " + Sizes.hex(iova) + " " + Sizes.human(size);
            }
            return s + " on " + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            Optional<DirtyBitmapRequest> bitmap = Optional.empty();
            if ((flags & DirtyPages.GET_BITMAP) != 0) {
                long pages = pgsize == 0 ? 0 : size / pgsize;
                bitmap = Optional.of(new DirtyBitmapRequest(pgsize, ((pages + 63) / 64) * 8));
            }
            DirtyPages.Result r =
                    run.container(container)
                            .ioctl(
                                    run.process(process),
                                    new DirtyPages(argsz, flags, iova, size, bitmap));
            Map<String, Object> out = new LinkedHashMap<>();
            r.bitmap().ifPresent(b -> out.put("dirty_pages", bits(b)));
            return out;
        }
    }

    static long bits(long[] bitmap) {
        long n = 0;
        for (long w : bitmap) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /** Keys of a map, for messages. */
    static List<String> keys(Map<String, ?> m) {
        return new ArrayList<>(m.keySet());
    }
}
