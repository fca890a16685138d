package io.vfio4j.cli.scenario;

import io.vfio4j.api.command.DirtyBitmapRequest;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** MAP_DMA and UNMAP_DMA with every flag. */
final class DmaSteps {
    private DmaSteps() {}

    static final Flags MAP_FLAGS =
            new Flags(Map.of("read", MapDma.READ, "write", MapDma.WRITE, "vaddr", MapDma.VADDR));

    static final Flags UNMAP_FLAGS =
            new Flags(
                    Map.of(
                            "get_dirty_bitmap",
                            UnmapDma.GET_DIRTY_BITMAP,
                            "all",
                            UnmapDma.ALL,
                            "vaddr",
                            UnmapDma.VADDR));

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "map",
                        List.of("container", "process", "vaddr", "iova", "size", "flags", "argsz"),
                        Map.of(),
                        "VFIO_IOMMU_MAP_DMA: flags read, write (default both) or vaddr",
                        DmaSteps::parseMap));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "unmap",
                        List.of(
                                "container",
                                "process",
                                "iova",
                                "size",
                                "flags",
                                "page_size",
                                "argsz"),
                        Map.of("unmapped", Check.Unit.BYTES, "dirty_pages", Check.Unit.COUNT),
                        "VFIO_IOMMU_UNMAP_DMA: flags all, vaddr, get_dirty_bitmap; results unmapped, dirty_pages",
                        DmaSteps::parseUnmap));
    }

    private static Action parseMap(Fields f, ParseContext ctx) {
        Addr vaddr = ctx.addr(f.req("vaddr"));
        long size = sizeOrRegion(f, ctx, vaddr, "map");
        int flags = f.opt("flags").map(MAP_FLAGS::parse).orElse(MapDma.READ | MapDma.WRITE);
        int argsz = f.opt("argsz").map(n -> n.intValue(0, 1 << 20)).orElse(MapDma.MIN_ARGSZ);
        return new MapAction(
                ctx.container(f),
                ctx.process(f),
                vaddr,
                ctx.addr(f.req("iova")),
                size,
                flags,
                argsz);
    }

    /** The step's {@code size}, or the size of the region {@code vaddr} names the start of. */
    static long sizeOrRegion(Fields f, ParseContext ctx, Addr vaddr, String op) {
        if (f.opt("size").isPresent()) {
            return f.req("size").size();
        } else if (vaddr.offset() == 0 && ctx.regionSizes.containsKey(vaddr.base())) {
            return ctx.regionSizes.get(vaddr.base());
        }
        throw f.node().error("%s: missing key 'size' (it defaults only to a whole region)", op);
    }

    private static Action parseUnmap(Fields f, ParseContext ctx) {
        int flags = f.opt("flags").map(UNMAP_FLAGS::parse).orElse(0);
        boolean all = (flags & UnmapDma.ALL) != 0;
        Addr iova = f.opt("iova").map(ctx::addr).orElse(null);
        Optional<Long> size = f.opt("size").map(YNode::size);
        if (!all && (iova == null || size.isEmpty())) {
            throw f.node().error("unmap: 'iova' and 'size' are required unless flags include all");
        }
        long pgsize = f.opt("page_size").map(YNode::size).orElse(ctx.pageSize());
        boolean bitmap = (flags & UnmapDma.GET_DIRTY_BITMAP) != 0;
        int argsz =
                f.opt("argsz")
                        .map(n -> n.intValue(0, 1 << 20))
                        .orElse(bitmap ? UnmapDma.MIN_ARGSZ_WITH_BITMAP : UnmapDma.MIN_ARGSZ);
        return new UnmapAction(
                ctx.container(f),
                ctx.process(f),
                iova == null ? Addr.absolute(0) : iova,
                size.orElse(0L),
                flags,
                pgsize,
                argsz);
    }

    static String prot(int flags) {
        if ((flags & ~(MapDma.READ | MapDma.WRITE)) != 0 || flags == 0) {
            return MAP_FLAGS.describe(flags);
        }
        return ((flags & MapDma.READ) != 0 ? "r" : "-") + ((flags & MapDma.WRITE) != 0 ? "w" : "-");
    }

    record MapAction(
            String container,
            String process,
            Addr vaddr,
            Addr iova,
            long size,
            int flags,
            int argsz)
            implements Action {
        @Override
        public String describe() {
            return "map "
                    + vaddr
                    + " "
                    + Sizes.human(size)
                    + " -> iova "
                    + iova
                    + " "
                    + prot(flags);
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.container(container)
                    .ioctl(
                            run.process(process),
                            new MapDma(argsz, flags, run.resolve(vaddr), run.resolve(iova), size));
            return Map.of();
        }
    }

    record UnmapAction(
            String container,
            String process,
            Addr iova,
            long size,
            int flags,
            long pgsize,
            int argsz)
            implements Action {
        @Override
        public String describe() {
            String what =
                    (flags & UnmapDma.ALL) != 0
                            ? "unmap all"
                            : "unmap iova " + iova + " " + Sizes.human(size);
            int other = flags & ~UnmapDma.ALL;
            return what + (other != 0 ? " " + UNMAP_FLAGS.describe(other) : "");
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            Optional<DirtyBitmapRequest> bitmap = Optional.empty();
            if ((flags & UnmapDma.GET_DIRTY_BITMAP) != 0) {
                long pages = pgsize == 0 ? 0 : size / pgsize;
                bitmap = Optional.of(new DirtyBitmapRequest(pgsize, ((pages + 63) / 64) * 8));
            }
            UnmapDma.Result r =
                    run.container(container)
                            .ioctl(
                                    run.process(process),
                                    new UnmapDma(argsz, flags, run.resolve(iova), size, bitmap));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("unmapped", r.unmappedBytes());
            r.dirtyBitmap().ifPresent(b -> out.put("dirty_pages", ContainerSteps.bits(b)));
            return out;
        }
    }
}
