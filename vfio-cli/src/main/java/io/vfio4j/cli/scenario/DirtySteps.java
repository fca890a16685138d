package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.ioas.DirtyBitmap;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.cli.scenario.NativeNames.Kind;
import io.vfio4j.cli.scenario.NativeNames.Ref;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Dirty tracking of a HWPT allocated with {@code dirty_tracking} (docs/reference/iommufd.md §8):
 * IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP. A passthrough device's {@code
 * dma_write} through the HWPT's domain marks the pages it writes.
 */
final class DirtySteps {
    private DirtySteps() {}

    static final Flags SET_FLAGS =
            new Flags(Map.of("enable", NativeIommuOps.DIRTY_TRACKING_ENABLE));

    static final Flags GET_FLAGS = new Flags(Map.of("no_clear", HwptDirtyBitmap.NO_CLEAR));

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "hwpt_set_dirty_tracking",
                        List.of("iommufd", "hwpt", "enable", "flags"),
                        Map.of(),
                        "IOMMU_HWPT_SET_DIRTY_TRACKING: enable: true starts tracking (clearing old"
                                + " marks), false stops it; or a raw flags word",
                        DirtySteps::parseSet));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "hwpt_get_dirty_bitmap",
                        List.of(
                                "iommufd",
                                "hwpt",
                                "iova",
                                "size",
                                "page_size",
                                "flags",
                                "reserved"),
                        Map.of(
                                "dirty_bits", Check.Unit.COUNT,
                                "dirty", Check.Unit.TEXT),
                        "IOMMU_HWPT_GET_DIRTY_BITMAP: flags no_clear; page_size default the host"
                                + " page; results dirty_bits (bits set), dirty (the IOVA runs)",
                        DirtySteps::parseGet));
    }

    private static Ref hwpt(Fields f, ParseContext ctx, String context) {
        return ctx.natives.ref(f.req("hwpt"), context, Kind.IOAS, Kind.HWPT, Kind.DEVICE);
    }

    private static Action parseSet(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        if (f.has("enable") == f.has("flags")) {
            throw f.node()
                    .error(
                            "%s: give 'enable' (true or false) or a raw 'flags' word, not both",
                            f.node().what());
        }
        int flags =
                f.has("flags")
                        ? SET_FLAGS.parse(f.req("flags"))
                        : f.bool("enable", true) ? NativeIommuOps.DIRTY_TRACKING_ENABLE : 0;
        return new SetTracking(c, ctx.natives.owner(c), hwpt(f, ctx, c), flags);
    }

    private static Action parseGet(Fields f, ParseContext ctx) {
        String c = ctx.natives.context(f);
        return new Get(
                c,
                ctx.natives.owner(c),
                hwpt(f, ctx, c),
                f.opt("flags").map(GET_FLAGS::parse).orElse(0),
                f.req("iova").size(),
                f.req("size").size(),
                f.opt("page_size").map(YNode::size).orElse(ctx.pageSize()),
                f.opt("reserved").map(n -> (int) n.integer(0, 0xffff_ffffL)).orElse(0));
    }

    record SetTracking(String iommufd, String process, Ref hwpt, int flags) implements Action {
        @Override
        public String describe() {
            return "SET_DIRTY_TRACKING "
                    + hwpt
                    + " "
                    + (flags == NativeIommuOps.DIRTY_TRACKING_ENABLE
                            ? "enable"
                            : flags == 0 ? "disable" : SET_FLAGS.describe(flags));
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.natives().context(iommufd).hwptSetDirtyTracking(run.natives().id(hwpt), flags);
            return Map.of();
        }
    }

    record Get(
            String iommufd,
            String process,
            Ref hwpt,
            int flags,
            long iova,
            long size,
            long pageSize,
            int reserved)
            implements Action {
        @Override
        public String describe() {
            return "GET_DIRTY_BITMAP "
                    + hwpt
                    + " "
                    + Sizes.hex(iova)
                    + " "
                    + Sizes.human(size)
                    + " per "
                    + Sizes.human(pageSize)
                    + (flags != 0 ? " " + GET_FLAGS.describe(flags) : "")
                    + (reserved != 0 ? " reserved " + reserved : "");
        }

        @Override
        public String container() {
            return iommufd;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            DirtyBitmap b =
                    run.natives()
                            .context(iommufd)
                            .hwptGetDirtyBitmap(
                                    new HwptDirtyBitmap(
                                            run.natives().id(hwpt),
                                            flags,
                                            iova,
                                            size,
                                            pageSize,
                                            reserved));
            StringJoiner j = new StringJoiner(", ");
            for (IovaRange r : b.dirty()) {
                j.add(Sizes.hex(r.start()) + "-" + Sizes.hex(r.end()));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dirty_bits", b.count());
            out.put("dirty", j.toString());
            return out;
        }
    }
}
