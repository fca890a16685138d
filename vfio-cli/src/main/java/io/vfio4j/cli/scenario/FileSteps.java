package io.vfio4j.cli.scenario;

import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.cli.scenario.NativeNames.Ref;
import io.vfio4j.host.SimMemfd;
import java.util.List;
import java.util.Map;

/**
 * Memory files and the ioctls that map them by offset (docs/reference/iommufd.md §4.3, §3 A12):
 * {@code memfd_create} (a simulated memfd of 4 KiB or 2 MiB pages), its {@code ftruncate},
 * IOMMU_IOAS_MAP_FILE and IOMMU_IOAS_CHANGE_PROCESS.
 */
final class FileSteps {
    private FileSteps() {}

    /** The largest memory file a step makes (its frames are reserved at once). */
    static final long MAX_SIZE = 1L << 40;

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "memfd_create",
                        List.of("size", "huge", "as"),
                        Map.of(),
                        "memfd_create plus ftruncate(size): a memory file named by 'as' (huge: 2"
                                + " MiB pages)",
                        FileSteps::parseCreate));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "memfd_truncate",
                        List.of("memfd", "size"),
                        Map.of(),
                        "ftruncate of a memory file to a size not above the one it was made with",
                        FileSteps::parseTruncate));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_map_file",
                        List.of(
                                "iommufd", "ioas", "process", "memfd", "start", "size", "iova",
                                "flags"),
                        Map.of("iova", Check.Unit.ADDRESS),
                        "IOMMU_IOAS_MAP_FILE: 'size' bytes of a memory file from byte 'start'"
                                + " (default 0); flags as ioas_map; result iova",
                        FileSteps::parseMapFile));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioas_change_process",
                        List.of("iommufd", "process"),
                        Map.of(),
                        "IOMMU_IOAS_CHANGE_PROCESS: the charges of every MAP_FILE mapping move to"
                                + " 'process' (default: the context's opener)",
                        FileSteps::parseChange));
    }

    private static Action parseCreate(Fields f, ParseContext ctx) {
        long size = f.req("size").size(ctx.pageSize(), 1, MAX_SIZE);
        YNode as = f.req("as");
        String name = as.name();
        ctx.natives.defineMemfd(as, name, size);
        return new Create(name, size, f.bool("huge", false));
    }

    private static Action parseTruncate(Fields f, ParseContext ctx) {
        String name = ctx.natives.memfd(f.req("memfd"));
        long made = ctx.natives.memfdSize(name);
        long size = f.req("size").size(ctx.pageSize(), 0, made);
        return new Truncate(name, size);
    }

    private static Action parseMapFile(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        boolean fixed = f.has("iova");
        int flags =
                f.opt("flags")
                        .map(IoasSteps.MAP_FLAGS::parse)
                        .orElse(IoasMap.RW | (fixed ? IoasMap.FIXED_IOVA : 0));
        return new MapFile(
                c,
                IoasSteps.caller(f, ctx, c),
                ctx.natives.ref(
                        f.req("ioas"),
                        c,
                        NativeNames.Kind.IOAS,
                        NativeNames.Kind.HWPT,
                        NativeNames.Kind.DEVICE),
                ctx.natives.memfd(f.req("memfd")),
                f.opt("start").map(YNode::size).orElse(0L),
                f.req("size").size(),
                fixed ? f.req("iova").size() : 0,
                flags);
    }

    private static Action parseChange(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        return new Change(c, IoasSteps.caller(f, ctx, c));
    }

    record Create(String name, long size, boolean huge) implements Action {
        @Override
        public String describe() {
            return "memfd_create " + name + " " + Sizes.human(size) + (huge ? " huge" : "");
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.natives().memfd(name, run.host().memfdCreate(size, huge));
            return Map.of();
        }
    }

    record Truncate(String memfd, long size) implements Action {
        @Override
        public String describe() {
            return "ftruncate " + memfd + " to " + Sizes.human(size);
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            SimMemfd f = run.natives().memfd(memfd);
            f.truncate(size);
            return Map.of();
        }
    }

    record MapFile(
            String iommufd,
            String process,
            Ref ioas,
            String memfd,
            long start,
            long size,
            long iova,
            int flags)
            implements Action {
        @Override
        public String describe() {
            return "IOAS_MAP_FILE "
                    + memfd
                    + (start != 0 ? " +" + Sizes.hex(start) : "")
                    + " "
                    + Sizes.human(size)
                    + " -> "
                    + ioas
                    + " "
                    + IoasSteps.placement(flags, iova);
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
                            .ioasMapFile(
                                    run.nativeCaller(process),
                                    new IoasMapFile(
                                            n.id(ioas), flags, n.memfd(memfd), start, size, iova));
            return Map.of("iova", at);
        }
    }

    record Change(String iommufd, String process) implements Action {
        @Override
        public String describe() {
            return "IOAS_CHANGE_PROCESS to " + process;
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.natives().context(iommufd).ioasChangeProcess(run.nativeCaller(process));
            return Map.of();
        }
    }
}
