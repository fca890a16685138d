package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IovaRanges;
import io.vfio4j.cli.scenario.NativeNames.Kind;
import io.vfio4j.cli.scenario.NativeNames.Ref;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The IOAS ioctls of a {@code /dev/iommu} context (docs/reference/iommufd.md §2, §4): alloc, map,
 * copy, unmap, IOVA ranges and allowed IOVAs. Flags are names or a raw word, as everywhere.
 */
final class IoasSteps {
    private IoasSteps() {}

    /** IOAS_MAP and IOAS_COPY flags (include/uapi/linux/iommufd.h). */
    static final Flags MAP_FLAGS =
            new Flags(
                    Map.of(
                            "fixed_iova", IoasMap.FIXED_IOVA,
                            "writeable", IoasMap.WRITEABLE,
                            "readable", IoasMap.READABLE));

    /**
     * Where a map of {@code flags} puts its range, then its access flags, as step descriptions
     * print them: {@code "iova 0x1000 rw"}, or {@code "any iova"} when the kernel picks.
     */
    static String placement(int flags, long iova) {
        String where = (flags & IoasMap.FIXED_IOVA) != 0 ? "iova " + Sizes.hex(iova) : "any iova";
        int other = flags & ~IoasMap.FIXED_IOVA;
        return where + " " + (other == IoasMap.RW ? "rw" : MAP_FLAGS.describe(other));
    }

    /** IOAS_UNMAP of {@code iova} 0 and this length removes everything (§4.5 U2). */
    static final long ALL = -1L;

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_alloc",
                        List.of("iommufd", "as"),
                        Map.of("id", Check.Unit.COUNT),
                        "IOMMU_IOAS_ALLOC: a new IOAS named by 'as' (result id)",
                        IoasSteps::parseAlloc));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_map",
                        List.of(
                                "iommufd",
                                "ioas",
                                "process",
                                "vaddr",
                                "size",
                                "iova",
                                "flags",
                                "reserved"),
                        Map.of("iova", Check.Unit.ADDRESS),
                        "IOMMU_IOAS_MAP: flags fixed_iova (default with 'iova'), readable,"
                                + " writeable (default both); result iova",
                        IoasSteps::parseMap));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_copy",
                        List.of(
                                "iommufd",
                                "process",
                                "from",
                                "to",
                                "src_iova",
                                "dst_iova",
                                "size",
                                "flags"),
                        Map.of("iova", Check.Unit.ADDRESS),
                        "IOMMU_IOAS_COPY: share the pages 'from' maps into 'to'; flags as ioas_map;"
                                + " result iova",
                        IoasSteps::parseCopy));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_unmap",
                        List.of("iommufd", "ioas", "iova", "size", "all"),
                        Map.of("unmapped", Check.Unit.BYTES),
                        "IOMMU_IOAS_UNMAP: iova and size, or all: true; result unmapped",
                        IoasSteps::parseUnmap));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_iova_ranges",
                        List.of("iommufd", "ioas", "capacity"),
                        Map.of(
                                "iova_ranges", Check.Unit.COUNT,
                                "iova_range_list", Check.Unit.TEXT,
                                "alignment", Check.Unit.BYTES),
                        "IOMMU_IOAS_IOVA_RANGES: results iova_ranges, iova_range_list, alignment",
                        IoasSteps::parseRanges));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_allow_iovas",
                        List.of("iommufd", "ioas", "ranges"),
                        Map.of(),
                        "IOMMU_IOAS_ALLOW_IOVAS: replace the allowed ranges ([] clears them)",
                        IoasSteps::parseAllow));
    }

    private static Action parseAlloc(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        String name = null;
        if (f.has("as")) {
            YNode n = f.req("as");
            name = n.name();
            ctx.natives.define(n, name, Kind.IOAS, c);
        }
        return new Alloc(c, ctx.natives.owner(c), name);
    }

    /** The step's caller: {@code process:} or the process that opened the context. */
    static String caller(Fields f, ParseContext ctx, String context) {
        return f.opt("process").map(ctx::requireProcess).orElse(ctx.natives.owner(context));
    }

    private static Ref ioas(Fields f, ParseContext ctx, String context, String key) {
        return ctx.natives.ref(f.req(key), context, Kind.IOAS, Kind.HWPT, Kind.DEVICE);
    }

    private static Action parseMap(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        Addr vaddr = ctx.addr(f.req("vaddr"));
        long size = DmaSteps.sizeOrRegion(f, ctx, vaddr, "ioas_map");
        boolean fixed = f.has("iova");
        int flags =
                f.opt("flags")
                        .map(MAP_FLAGS::parse)
                        .orElse(IoasMap.RW | (fixed ? IoasMap.FIXED_IOVA : 0));
        return new MapIoas(
                c,
                caller(f, ctx, c),
                ioas(f, ctx, c, "ioas"),
                vaddr,
                size,
                fixed ? f.req("iova").size() : 0,
                flags,
                f.opt("reserved").map(n -> n.intValue(0, Integer.MAX_VALUE)).orElse(0));
    }

    private static Action parseCopy(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        boolean fixed = f.has("dst_iova");
        int flags =
                f.opt("flags")
                        .map(MAP_FLAGS::parse)
                        .orElse(IoasMap.RW | (fixed ? IoasMap.FIXED_IOVA : 0));
        return new Copy(
                c,
                caller(f, ctx, c),
                ioas(f, ctx, c, "from"),
                ioas(f, ctx, c, "to"),
                f.req("src_iova").size(),
                fixed ? f.req("dst_iova").size() : 0,
                f.req("size").size(),
                flags);
    }

    private static Action parseUnmap(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        boolean all = f.bool("all", false);
        if (all == (f.has("iova") || f.has("size"))) {
            throw f.node()
                    .error(
                            "%s: give 'iova' and 'size', or 'all: true' (iova 0, size 2^64 - 1)",
                            f.node().what());
        }
        return new Unmap(
                c,
                ctx.natives.owner(c),
                ioas(f, ctx, c, "ioas"),
                all ? 0 : f.req("iova").size(),
                all ? ALL : f.req("size").size());
    }

    private static Action parseRanges(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        return new Ranges(
                c,
                ctx.natives.owner(c),
                ioas(f, ctx, c, "ioas"),
                f.opt("capacity").map(n -> n.intValue(0, 1 << 16)).orElse(64));
    }

    private static Action parseAllow(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        List<IovaRange> ranges = new ArrayList<>();
        for (YNode r : f.req("ranges").strictList()) {
            Fields rf = r.fields(ScenarioParser.RANGE);
            long start = rf.req("start").size();
            long end;
            if (rf.has("end") == rf.has("size")) {
                throw r.error("%s: give 'end' (the last IOVA) or 'size', not both", r.what());
            } else if (rf.has("end")) {
                end = rf.req("end").size();
            } else {
                end = start + rf.req("size").size() - 1;
            }
            if (Long.compareUnsigned(end, start) < 0) {
                // The ioctl's "start >= last" EINVAL is still reachable with end == start.
                throw r.error(
                        "%s: the range ends at %s, below its start %s (or wraps)",
                        r.what(), Sizes.hex(end), Sizes.hex(start));
            }
            ranges.add(new IovaRange(start, end));
        }
        return new Allow(c, ctx.natives.owner(c), ioas(f, ctx, c, "ioas"), ranges);
    }

    record Alloc(String iommufd, String process, String name) implements Action {
        @Override
        public String describe() {
            return "IOAS_ALLOC" + (name != null ? " " + name : "") + " on " + iommufd;
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            int id = run.natives().context(iommufd).ioasAlloc();
            run.natives().bind(name, id);
            return Map.of("id", (long) id);
        }
    }

    record MapIoas(
            String iommufd,
            String process,
            Ref ioas,
            Addr vaddr,
            long size,
            long iova,
            int flags,
            int reserved)
            implements Action {
        @Override
        public String describe() {
            return "IOAS_MAP "
                    + vaddr
                    + " "
                    + Sizes.human(size)
                    + " -> "
                    + ioas
                    + " "
                    + placement(flags, iova);
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            long at =
                    run.natives()
                            .context(iommufd)
                            .ioasMap(
                                    run.nativeCaller(process),
                                    new IoasMap(
                                            run.natives().id(ioas),
                                            flags,
                                            run.resolve(vaddr),
                                            size,
                                            iova,
                                            reserved));
            return Map.of("iova", at);
        }
    }

    record Copy(
            String iommufd,
            String process,
            Ref from,
            Ref to,
            long srcIova,
            long dstIova,
            long size,
            int flags)
            implements Action {
        @Override
        public String describe() {
            return "IOAS_COPY "
                    + Sizes.human(size)
                    + " "
                    + from
                    + " iova "
                    + Sizes.hex(srcIova)
                    + " -> "
                    + to
                    + ((flags & IoasMap.FIXED_IOVA) != 0
                            ? " iova " + Sizes.hex(dstIova)
                            : " any iova");
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            NativeRun n = run.natives();
            long at =
                    n.context(iommufd)
                            .ioasCopy(
                                    run.nativeCaller(process),
                                    new IoasCopy(
                                            n.id(to), n.id(from), flags, size, srcIova, dstIova));
            return Map.of("iova", at);
        }
    }

    record Unmap(String iommufd, String process, Ref ioas, long iova, long size) implements Action {
        @Override
        public String describe() {
            return iova == 0 && size == ALL
                    ? "IOAS_UNMAP all of " + ioas
                    : "IOAS_UNMAP " + ioas + " iova " + Sizes.hex(iova) + " " + Sizes.human(size);
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            long n = run.natives().context(iommufd).ioasUnmap(run.natives().id(ioas), iova, size);
            return Map.of("unmapped", n);
        }
    }

    record Ranges(String iommufd, String process, Ref ioas, int capacity) implements Action {
        @Override
        public String describe() {
            return "IOAS_IOVA_RANGES of " + ioas;
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            IovaRanges r =
                    run.natives().context(iommufd).ioasIovaRanges(run.natives().id(ioas), capacity);
            StringJoiner j = new StringJoiner(", ");
            r.ranges().forEach(x -> j.add(Sizes.hex(x.start()) + "-" + Sizes.hex(x.end())));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("iova_ranges", (long) r.ranges().size());
            out.put("iova_range_list", j.length() == 0 ? "(none)" : j.toString());
            out.put("alignment", r.alignment());
            return out;
        }
    }

    record Allow(String iommufd, String process, Ref ioas, List<IovaRange> ranges)
            implements Action {
        Allow {
            ranges = List.copyOf(ranges);
        }

        @Override
        public String describe() {
            StringJoiner j = new StringJoiner(", ");
            ranges.forEach(x -> j.add(Sizes.hex(x.start()) + "-" + Sizes.hex(x.end())));
            return "IOAS_ALLOW_IOVAS " + ioas + " " + (ranges.isEmpty() ? "(none)" : j);
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.natives().context(iommufd).ioasAllowIovas(run.natives().id(ioas), ranges);
            return Map.of();
        }
    }
}
