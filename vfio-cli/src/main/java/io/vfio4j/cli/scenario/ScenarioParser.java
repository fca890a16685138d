package io.vfio4j.cli.scenario;

import io.vfio4j.api.KernelVersion;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.mdev.VendorBehaviour;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
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
                    "kernel",
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
            List.of(
                    "name",
                    "memlock",
                    "cap_ipc_lock",
                    "cap_sys_rawio",
                    "cap_sys_resource",
                    "uid",
                    "regions");
    static final List<String> REGION = List.of("name", "vaddr", "size", "backing", "read_only");
    static final List<String> CONTAINER = List.of("name", "iommu", "backend");
    static final List<String> EXPECT_COMMON =
            List.of(
                    "errno",
                    "record",
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
                    "details",
                    "peak_locked_vm",
                    "warned",
                    "notifications",
                    "host_page",
                    "cached_mm",
                    "mm_references",
                    "tce",
                    "pinned_vm",
                    "user_locked_vm");

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
        Map<String, String> config = config(f.opt("config"));
        f.opt("kernel").ifPresent(k -> kernel(k, config));
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
                config,
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

    /**
     * {@code kernel: 6.18}: the era the backends answer for, passed on as {@code vfio4j.kernel}
     * (what it means is each backend's business).
     */
    private static void kernel(YNode n, Map<String, String> config) {
        String text = n.text();
        try {
            KernelVersion.parse(text);
        } catch (IllegalArgumentException e) {
            throw n.error("kernel: %s", e.getMessage());
        }
        if (config.containsKey(VfioConfiguration.KERNEL)) {
            throw n.error(
                    "kernel: given here and as config %s; keep one", VfioConfiguration.KERNEL);
        }
        config.put(VfioConfiguration.KERNEL, text.trim());
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
            Model.GroupDef def = GroupParser.group(g, platform, pageSize);
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
            parents.add(parent(p, parents));
        }
        return new Model.HostDef(platform, pageSize, eeh, groups, parents);
    }

    private static Model.MdevParentDef parent(YNode n, List<Model.MdevParentDef> earlier) {
        Fields f = n.fields(PARENT);
        String device = f.req("device").text();
        if (earlier.stream().anyMatch(p -> p.device().equals(device))) {
            throw f.req("device").error("a second mdev parent '%s'", device);
        }
        List<Model.MdevTypeDef> types = new ArrayList<>();
        for (YNode t : f.req("types").strictList()) {
            Fields tf = t.fields(MDEV_TYPE);
            String name = tf.req("name").name();
            if (types.stream().anyMatch(x -> x.name().equals(name))) {
                throw tf.req("name").error("mdev parent %s declares type '%s' twice", device, name);
            }
            types.add(
                    new Model.MdevTypeDef(
                            name,
                            tf.opt("instances").map(i -> i.intValue(0, 1 << 16)).orElse(1),
                            VendorBehaviour.ofLabel(
                                            tf.opt("vendor")
                                                    .map(v -> v.choice(VendorBehaviour.labels()))
                                                    .orElse("well-behaved"))
                                    .orElseThrow()));
        }
        if (types.isEmpty()) {
            throw f.req("types").error("mdev parent %s declares no type", device);
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
                        uid(f),
                        List.of(),
                        f.bool("cap_sys_resource", false));
        ctx.processes.put(name, def);
        List<Model.RegionDef> regions =
                f.opt("regions").map(r -> regions(r, ctx, name)).orElse(List.of());
        ctx.hostCheck.process(n, memlock, f.opt("regions").map(YNode::strictList), regions);
        def =
                new Model.ProcessDef(
                        name,
                        memlock,
                        def.capIpcLock(),
                        def.capSysRawio(),
                        def.uid(),
                        regions,
                        def.capSysResource());
        ctx.processes.put(name, def);
        return def;
    }

    /** A process's {@code uid:} (default {@link ProcessSpec#DEFAULT_UID}, shared by all). */
    private static int uid(Fields f) {
        return f.opt("uid")
                .map(
                        n -> {
                            long v = n.integer();
                            if (v < 0 || v > Integer.MAX_VALUE) {
                                throw n.error("%s: a uid is a number from 0 to 2^31 - 1", n.what());
                            }
                            return (int) v;
                        })
                .orElse(ProcessSpec.DEFAULT_UID);
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
            ctx.regionStarts.put(name, vaddr);
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
