package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Reads one IOMMU group of the host: its page sizes, aperture, reserved ranges and TCE window. */
final class GroupParser {
    private GroupParser() {}

    /** IOMMU page sizes: powers of two from 4 KiB to 1 TiB (shift 12 to 40), at least one. */
    static final long MIN_IOMMU_PAGE = 4096;

    static final long MAX_IOMMU_PAGE = 1L << 40;

    private static long pageSizes(YNode n) {
        long bitmap = 0;
        for (YNode item : n.list()) {
            long size = item.size();
            if (size < MIN_IOMMU_PAGE || size > MAX_IOMMU_PAGE || Long.bitCount(size) != 1) {
                throw item.error(
                        "%s: '%s' is not a power of two from 4 KiB to 1 TiB",
                        item.what(), item.text().trim());
            }
            bitmap |= size;
        }
        if (bitmap == 0) {
            throw n.error("%s: give at least one page size", n.what());
        }
        return bitmap;
    }

    private static IovaRange range(YNode n) {
        return rangeOf(n.fields(ScenarioParser.RANGE), n);
    }

    /** The keys of an {@code iommu_groups} entry. */
    static final List<String> GROUP =
            List.of(
                    "id",
                    "devices",
                    "page_sizes",
                    "aperture",
                    "reserved",
                    "interrupt_remapping",
                    "iommu_driver",
                    "cache_coherency",
                    "dirty_tracking",
                    "tce");

    static Model.GroupDef group(YNode n, Platform platform, long pageSize) {
        Fields f = n.fields(GROUP);
        int id = f.req("id").intValue(0, 1 << 20);
        List<String> devices =
                f.opt("devices")
                        .map(d -> d.list().stream().map(YNode::text).toList())
                        .orElse(
                                List.of(
                                        String.format(
                                                Locale.ROOT,
                                                "%04x:%02x:00.0",
                                                id >>> 8,
                                                id & 0xff)));
        long bitmap =
                f.opt("page_sizes")
                        .map(GroupParser::pageSizes)
                        .orElse(IommuGroupSpec.DEFAULT_PAGE_SIZE_BITMAP);
        Optional<IovaRange> aperture = f.opt("aperture").map(GroupParser::range);
        Optional<List<ReservedRegion>> reserved = Optional.empty();
        if (f.has("reserved")) {
            List<ReservedRegion> list = new ArrayList<>();
            for (YNode r : f.opt("reserved").map(YNode::strictList).orElse(List.of())) {
                Fields rf = r.fields(ScenarioParser.RESERVED);
                List<String> types =
                        Arrays.stream(ReservedRegion.Type.values())
                                .map(t -> t.name().toLowerCase(Locale.ROOT))
                                .toList();
                ReservedRegion.Type type =
                        rf.opt("type")
                                .map(
                                        t ->
                                                ReservedRegion.Type.valueOf(
                                                        t.choice(types).toUpperCase(Locale.ROOT)))
                                .orElse(ReservedRegion.Type.RESERVED);
                list.add(new ReservedRegion(rangeOf(rf, r), type));
            }
            reserved = Optional.of(list);
        }
        Optional<Model.TceDef> tce = f.opt("tce").map(t -> tce(t));
        if (tce.isEmpty() && platform == Platform.POWER) {
            tce = Optional.of(tce(null));
        }
        return new Model.GroupDef(
                id,
                devices,
                bitmap,
                aperture,
                reserved,
                f.bool("interrupt_remapping", true),
                f.str("iommu_driver", platform == Platform.POWER ? "powernv" : "intel-iommu"),
                f.bool("cache_coherency", true),
                f.bool("dirty_tracking", false),
                tce);
    }

    private static IovaRange rangeOf(Fields f, YNode n) {
        long start = f.req("start").size();
        Optional<YNode> end = f.opt("end");
        Optional<YNode> size = f.opt("size");
        if (end.isPresent() == size.isPresent()) {
            throw n.error(
                    "%s: give 'start' and exactly one of 'end' (inclusive) or 'size'", n.what());
        }
        long last;
        if (end.isPresent()) {
            last = end.get().size();
        } else {
            long length = size.get().size();
            if (length == 0) {
                throw size.get().error("%s: a range of size 0 is empty", size.get().what());
            }
            last = start + length - 1;
            if (Long.compareUnsigned(last, start) < 0) {
                throw size.get().error("%s: the range wraps past 2^64", size.get().what());
            }
        }
        if (Long.compareUnsigned(last, start) < 0) {
            throw n.error("%s: the range ends before it starts", n.what());
        }
        return new IovaRange(start, last);
    }

    /**
     * The default 32-bit DMA window: a page-aligned, non-empty range below the 64-bit window's bus
     * offset (PowerNvTableGroup.SLOT1_BUS_OFFSET, 2^59), so the two slots never overlap.
     */
    private static Model.TceDef tce(YNode n) {
        Fields f = n == null ? new Fields(null, ScenarioParser.TCE) : n.fields(ScenarioParser.TCE);
        long dma32Start = f.opt("dma32_start").map(YNode::size).orElse(0L);
        long dma32Size = f.opt("dma32_size").map(YNode::size).orElse(2L << 30);
        long top = PowerNvTableGroup.SLOT1_BUS_OFFSET;
        if (dma32Start % 4096 != 0 || dma32Size % 4096 != 0) {
            throw f.raw(dma32Start % 4096 != 0 ? "dma32_start" : "dma32_size")
                    .error("tce: dma32_start and dma32_size must be multiples of 4 KiB");
        }
        if (dma32Size <= 0
                || Long.compareUnsigned(dma32Start, top) >= 0
                || Long.compareUnsigned(dma32Size, top - dma32Start) > 0) {
            throw f.raw("dma32_size")
                    .error(
                            "tce: the 32-bit window [%s, +%s) must be non-empty and end at or"
                                    + " below 2^59, where the 64-bit window starts",
                            Sizes.hex(dma32Start), Sizes.hex(dma32Size));
        }
        return new Model.TceDef(
                dma32Start,
                dma32Size,
                f.opt("page_sizes")
                        .map(GroupParser::pageSizes)
                        .orElse(PowerNvTableGroup.POWER8_PAGE_SIZES),
                f.bool("ddw", true),
                f.opt("levels").map(l -> l.intValue(1, 5)).orElse(5),
                f.str("platform_type", PowerNvTableGroup.IODA2),
                f.bool("window_ops", true),
                f.bool("eeh", true));
    }
}
