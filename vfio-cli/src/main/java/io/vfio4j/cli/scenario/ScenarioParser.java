package io.vfio4j.cli.scenario;

import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a scenario file into a {@link Scenario}, checking every key, value and reference. Uses
 * SnakeYAML's node API ({@code compose}) so that every error names the file and line.
 */
public final class ScenarioParser {
    static final List<String> TOP =
            List.of(
                    "scenario",
                    "title",
                    "description",
                    "reference",
                    "config",
                    "host",
                    "processes",
                    "containers",
                    "steps");
    static final List<String> HOST =
            List.of("platform", "page_size", "eeh", "iommu_groups", "mdev_parents");
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
                    "tce");
    static final List<String> TCE =
            List.of(
                    "dma32_start",
                    "dma32_size",
                    "page_sizes",
                    "ddw",
                    "levels",
                    "platform_type",
                    "window_ops",
                    "eeh");
    static final List<String> RANGE = List.of("start", "end", "size");
    static final List<String> RESERVED = List.of("start", "end", "size", "type");
    static final List<String> PARENT = List.of("device", "types");
    static final List<String> MDEV_TYPE = List.of("name", "instances", "vendor");
    static final List<String> PROCESS =
            List.of("name", "memlock", "cap_ipc_lock", "cap_sys_rawio", "regions");
    static final List<String> REGION = List.of("name", "vaddr", "size", "backing", "read_only");
    static final List<String> CONTAINER = List.of("name", "iommu", "backend");
    static final List<String> EXPECT_COMMON =
            List.of(
                    "errno",
                    "kernel_bug",
                    "locked_vm",
                    "dma_avail",
                    "pinned_pages",
                    "pin_references",
                    "mappings",
                    "mapped",
                    "host_pinned_pages",
                    "leaks",
                    "leaked_pages",
                    "warnings",
                    "details");

    private final Map<String, StepKind> kinds = StepKinds.all();

    /** Parses a file. */
    public Scenario parse(Path file) throws IOException {
        return parse(file.toString(), ScenarioFiles.read(file));
    }

    /** Parses text read from {@code source} (a file or resource name used in messages). */
    public Scenario parse(String source, String text) {
        if (text.length() > ScenarioFiles.MAX_BYTES) {
            throw new ScenarioSyntaxException(
                    source, 1, 1, "a scenario may have at most 1 MiB of text");
        }
        Node root;
        try (Reader r = new StringReader(text)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setCodePointLimit((int) ScenarioFiles.MAX_BYTES);
            root = new Yaml(options).compose(r);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw new ScenarioSyntaxException(
                    source,
                    m == null ? 1 : m.getLine() + 1,
                    m == null ? 1 : m.getColumn() + 1,
                    "not valid YAML: " + problem);
        } catch (YAMLException | IOException e) {
            throw new ScenarioSyntaxException(source, 1, 1, "not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new ScenarioSyntaxException(
                    source, 1, 1, "the file is empty; expected a scenario map with keys " + TOP);
        }
        YNode top = new YNode(source, root, "scenario file");
        Fields f = top.fields(TOP);
        String name = f.req("scenario").name();
        HostCheck check = new HostCheck();
        Model.HostDef host = host(f.opt("host"), check);
        ParseContext ctx = new ParseContext(host, check);
        List<Model.ProcessDef> processes = new ArrayList<>();
        for (YNode p : f.opt("processes").map(YNode::strictList).orElse(List.of())) {
            processes.add(process(p, ctx));
        }
        List<Model.ContainerDef> containers = new ArrayList<>();
        for (YNode c : f.opt("containers").map(YNode::strictList).orElse(List.of())) {
            Model.ContainerDef def = container(c);
            if (ctx.containers.put(def.name(), def) != null) {
                throw c.error("a second container named '%s'", def.name());
            }
            containers.add(def);
        }
        List<Step> steps = new ArrayList<>();
        YNode stepsNode = f.req("steps");
        for (YNode s : stepsNode.strictList()) {
            ctx.step = steps.size() + 1;
            steps.add(step(s, steps.size() + 1, ctx));
        }
        if (steps.isEmpty()) {
            throw stepsNode.error("steps: a scenario needs at least one step");
        }
        return new Scenario(
                name,
                f.str("title", ""),
                f.str("description", "").trim(),
                f.str("reference", ""),
                source,
                config(f.opt("config")),
                host,
                processes,
                containers,
                steps);
    }

    private static Map<String, String> config(Optional<YNode> n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isEmpty()) {
            return out;
        }
        for (YNode[] e : n.get().entries()) {
            String key = e[0].text();
            if (!key.startsWith("vfio4j.")) {
                throw e[0].error("config: '%s' is not a vfio4j.* setting", key);
            }
            out.put(key, e[1].text());
        }
        return out;
    }

    private static Model.HostDef host(Optional<YNode> node, HostCheck check) {
        Fields f = node.map(n -> n.fields(HOST)).orElse(null);
        if (f == null) {
            check.start(Platform.X86, 4096, false);
            return new Model.HostDef(Platform.X86, 4096, false, List.of(), List.of());
        }
        Platform platform =
                f.opt("platform")
                        .map(
                                n ->
                                        Platform.valueOf(
                                                n.choice(List.of("x86", "power"))
                                                        .toUpperCase(Locale.ROOT)))
                        .orElse(Platform.X86);
        long pageSize = platform == Platform.POWER ? 65536 : 4096;
        if (f.opt("page_size").isPresent()) {
            YNode n = f.req("page_size");
            pageSize = n.size();
            if (pageSize < 4096 || Long.bitCount(pageSize) != 1 || pageSize > (2 << 20)) {
                throw n.error(
                        "host.page_size: must be a power of two from 4KiB to 2MiB, was %d",
                        pageSize);
            }
        }
        boolean eeh = f.bool("eeh", platform == Platform.POWER);
        List<Model.GroupDef> groups = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> devices = new HashSet<>();
        check.start(platform, pageSize, eeh);
        for (YNode g : f.opt("iommu_groups").map(YNode::strictList).orElse(List.of())) {
            Model.GroupDef def = group(g, platform, pageSize);
            if (!ids.add(def.id())) {
                throw g.error("a second IOMMU group with id %d", def.id());
            }
            for (String d : def.devices()) {
                if (!devices.add(d)) {
                    throw g.error("device %s is in two IOMMU groups", d);
                }
            }
            check.group(g, def);
            groups.add(def);
        }
        List<Model.MdevParentDef> parents = new ArrayList<>();
        for (YNode p : f.opt("mdev_parents").map(YNode::strictList).orElse(List.of())) {
            parents.add(parent(p));
        }
        return new Model.HostDef(platform, pageSize, eeh, groups, parents);
    }

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
        return rangeOf(n.fields(RANGE), n);
    }

    private static Model.GroupDef group(YNode n, Platform platform, long pageSize) {
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
                        .map(ScenarioParser::pageSizes)
                        .orElse(IommuGroupSpec.DEFAULT_PAGE_SIZE_BITMAP);
        Optional<IovaRange> aperture = f.opt("aperture").map(ScenarioParser::range);
        Optional<List<ReservedRegion>> reserved = Optional.empty();
        if (f.has("reserved")) {
            List<ReservedRegion> list = new ArrayList<>();
            for (YNode r : f.opt("reserved").map(YNode::strictList).orElse(List.of())) {
                Fields rf = r.fields(RESERVED);
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
        Fields f = n == null ? new Fields(null, TCE) : n.fields(TCE);
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
                        .map(ScenarioParser::pageSizes)
                        .orElse(PowerNvTableGroup.POWER8_PAGE_SIZES),
                f.bool("ddw", true),
                f.opt("levels").map(l -> l.intValue(1, 5)).orElse(5),
                f.str("platform_type", PowerNvTableGroup.IODA2),
                f.bool("window_ops", true),
                f.bool("eeh", true));
    }

    private static Model.MdevParentDef parent(YNode n) {
        Fields f = n.fields(PARENT);
        String device = f.req("device").text();
        List<Model.MdevTypeDef> types = new ArrayList<>();
        for (YNode t : f.req("types").strictList()) {
            Fields tf = t.fields(MDEV_TYPE);
            types.add(
                    new Model.MdevTypeDef(
                            tf.req("name").name(),
                            tf.opt("instances").map(i -> i.intValue(0, 1 << 16)).orElse(1),
                            Model.Vendor.of(
                                    tf.opt("vendor")
                                            .map(v -> v.choice(Model.Vendor.names()))
                                            .orElse("well-behaved"))));
        }
        return new Model.MdevParentDef(device, types);
    }

    private static Model.ProcessDef process(YNode n, ParseContext ctx) {
        Fields f = n.fields(PROCESS);
        String name = f.req("name").name();
        if (ctx.processes.containsKey(name)) {
            throw f.req("name").error("a second process named '%s'", name);
        }
        long memlock =
                f.opt("memlock")
                        .map(m -> ProcessSteps.memlock(m, ctx.pageSize()))
                        .orElse(ProcessSpec.DEFAULT_MEMLOCK_LIMIT_BYTES);
        Model.ProcessDef def =
                new Model.ProcessDef(
                        name,
                        memlock,
                        f.bool("cap_ipc_lock", false),
                        f.bool("cap_sys_rawio", false),
                        List.of());
        ctx.processes.put(name, def);
        List<Model.RegionDef> regions =
                f.opt("regions").map(r -> regions(r, ctx, name)).orElse(List.of());
        ctx.hostCheck.process(n, memlock, f.opt("regions").map(YNode::strictList), regions);
        def = new Model.ProcessDef(name, memlock, def.capIpcLock(), def.capSysRawio(), regions);
        ctx.processes.put(name, def);
        return def;
    }

    /** Reads a list of regions for {@code process}, checking names, alignment and overlaps. */
    static List<Model.RegionDef> regions(YNode n, ParseContext ctx, String process) {
        List<Model.RegionDef> out = new ArrayList<>();
        for (YNode r : n.strictList()) {
            Fields f = r.fields(REGION);
            YNode nameNode = f.req("name");
            String name = nameNode.name();
            if (name.contains("+") || ctx.regions.containsKey(name) || ctx.windows.contains(name)) {
                throw nameNode.error("%s: the name '%s' is already used", nameNode.what(), name);
            }
            long vaddr = f.req("vaddr").size();
            YNode sizeNode = f.req("size");
            long size = sizeNode.size();
            Model.Backing backing =
                    Model.Backing.of(
                            f.opt("backing")
                                    .map(b -> b.choice(Model.Backing.names()))
                                    .orElse("anonymous"));
            long align =
                    switch (backing) {
                        case THP, HUGETLB_2M -> 2L << 20;
                        case HUGETLB_16M -> 16L << 20;
                        case HUGETLB_1G -> 1L << 30;
                        default -> ctx.pageSize();
                    };
            align = Math.max(align, ctx.pageSize());
            if (backing == Model.Backing.HUGETLB_16M && ctx.host.platform() != Platform.POWER) {
                throw r.error("%s: 16 MiB huge pages exist only on POWER", r.what());
            }
            if (size <= 0 || vaddr % align != 0 || size % align != 0) {
                throw r.error(
                        "%s: vaddr %s and size %s must be positive multiples of the %s backing page",
                        r.what(), Sizes.hex(vaddr), Sizes.human(size), Sizes.human(align));
            }
            if (Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
                throw r.error("%s: the region wraps the address space", r.what());
            }
            Model.RegionDef def =
                    new Model.RegionDef(name, vaddr, size, backing, f.bool("read_only", false));
            for (Model.RegionDef other : out) {
                if (Long.compareUnsigned(vaddr, other.vaddr() + other.size() - 1) <= 0
                        && Long.compareUnsigned(other.vaddr(), vaddr + size - 1) <= 0) {
                    throw r.error("%s: region %s overlaps region %s", r.what(), name, other.name());
                }
            }
            out.add(def);
            ctx.regions.put(name, process);
            ctx.regionSizes.put(name, size);
        }
        return out;
    }

    private static Model.ContainerDef container(YNode n) {
        Fields f = n.fields(CONTAINER);
        String name = f.req("name").name();
        Optional<String> iommu = Optional.empty();
        if (f.opt("iommu").isPresent()) {
            long id = ContainerSteps.extension(f.req("iommu"));
            iommu = Optional.of(ContainerSteps.extensionName(id));
        }
        return new Model.ContainerDef(name, iommu, f.opt("backend").map(YNode::name));
    }

    private Step step(YNode n, int number, ParseContext ctx) {
        List<String> allowed = new ArrayList<>(kinds.keySet());
        allowed.add("expect");
        allowed.add("note");
        YNode labelled = n.renamed("step " + number);
        Fields f = labelled.fields(allowed);
        List<String> ops = f.present().stream().filter(kinds::containsKey).toList();
        if (ops.size() != 1) {
            throw labelled.error(
                    "step %d: expected exactly one operation, found %s; operations: %s",
                    number,
                    ops.isEmpty() ? "none" : String.join(" and ", ops),
                    String.join(", ", kinds.keySet()));
        }
        String op = ops.get(0);
        StepKind kind = kinds.get(op);
        YNode params = f.raw(op).renamed("step " + number + " (" + op + ")");
        Action action = kind.parser().parse(params.fields(kind.params()), ctx);
        Expectation expect =
                f.has("expect")
                        ? ExpectationParser.parse(
                                f.raw("expect").renamed("step " + number + " expect"),
                                kind,
                                action,
                                ctx)
                        : Expectation.none();
        if (action instanceof DeviceSteps.Read read && read.needsLength()) {
            int len = ExpectationParser.expectedDataLength(expect);
            if (len <= 0) {
                throw labelled.error("%s: give 'length', or expect 'data' or 'hex' to read", op);
            }
            if (len > DeviceSteps.MAX_LENGTH) {
                throw labelled.error(
                        "%s: the expected data is %s bytes; a read step reads at most %s",
                        op, Sizes.count(len), Sizes.count(DeviceSteps.MAX_LENGTH));
            }
            action = read.withLength(len);
        }
        return new Step(number, n.line(), op, action, expect, f.str("note", ""));
    }
}
