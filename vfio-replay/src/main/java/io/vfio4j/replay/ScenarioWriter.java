package io.vfio4j.replay;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes the replay as a scenario file ({@code vfio4j run}): the host, the VMM with the replay's
 * blocks as regions, the container, and one step per call expecting the answer the model gave, so a
 * trace becomes a regression test. Steps are written to a side file while the replay runs (a trace
 * of any length) and put behind the header, which needs the groups, at {@link #finish}.
 */
public final class ScenarioWriter implements ReplayListener, AutoCloseable {
    private final Replay replay;
    private final Path target;
    private final Path steps;
    private final BufferedWriter out;
    private final Set<Integer> groups = new TreeSet<>();
    private final String traceName;

    /**
     * @param target the scenario file to write
     * @throws IOException if the side file cannot be created
     */
    public ScenarioWriter(Replay replay, String traceName, Path target) throws IOException {
        this.replay = replay;
        this.traceName = traceName;
        this.target = target;
        Path dir = target.toAbsolutePath().getParent();
        this.steps = Files.createTempFile(dir, ".vfio4j-replay-", ".steps");
        this.out = Files.newBufferedWriter(steps, StandardCharsets.UTF_8);
    }

    @Override
    public void attached(long line, int group) {
        boolean first = groups.isEmpty();
        groups.add(group);
        write("  - attach: {group: " + groupName(group) + "}\n");
        write("    note: \"trace line " + line + "\"\n");
        if (first) {
            write("  - set_iommu: {}\n");
        }
    }

    @Override
    public void call(CallResult r) {
        StringBuilder b = new StringBuilder(160);
        if (r.op().equals("MAP")) {
            b.append("  - map: {vaddr: ")
                    .append(Hex.of(r.vaddr()))
                    .append(", iova: ")
                    .append(Hex.of(r.iova()))
                    .append(", size: ")
                    .append(Hex.of(r.size()));
            if (r.readOnly()) {
                b.append(", flags: [read]");
            }
        } else {
            b.append("  - unmap: {iova: ")
                    .append(Hex.of(r.iova()))
                    .append(", size: ")
                    .append(Hex.of(r.size()));
        }
        b.append("}\n    expect: {");
        if (r.errno() != 0) {
            b.append("errno: ").append(r.errnoName()).append(", ");
        } else if (r.op().equals("UNMAP")) {
            b.append("unmapped: ").append(Hex.of(r.unmapped())).append(", ");
        }
        b.append("locked_vm: ").append(r.lockedVmPages()).append("}\n");
        b.append("    note: \"trace line ").append(r.line()).append("\"\n");
        write(b.toString());
    }

    /** Writes the scenario file: header, then the steps. */
    public void finish(ReplaySummary summary) throws IOException {
        out.close();
        ReplayOptions o = replay.options();
        String name = traceName.replaceAll("\\.(log|txt)$", "").replaceAll("[^A-Za-z0-9_.-]", "-");
        try (Writer w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
            w.write("# Written by vfio4j replay from " + traceName + ": each step expects the\n");
            w.write("# answer and locked_vm the model gave (" + summary.calls() + " calls).\n");
            w.write("# Fixture: " + o.describe() + ".\n");
            w.write("# Memory: " + summary.memory() + ".\n");
            w.write("scenario: replay-" + name + "\n");
            w.write("title: the calls of " + name + " with the answers they got\n");
            if (o.dmaEntryLimit().isPresent()) {
                w.write("config:\n");
                w.write(
                        "  vfio4j.backend."
                                + o.backend().orElse("type1")
                                + ".dma-entry-limit: "
                                + o.dmaEntryLimit().getAsLong()
                                + "\n");
            }
            w.write("host:\n");
            w.write("  page_size: " + o.hostPageSize() + "\n");
            if (o.passthrough()) {
                w.write("  iommu_groups:\n");
                for (int g : groups) {
                    w.write("    - id: " + g + "\n");
                    if (o.iovaBits() != 48) {
                        long end = o.iovaBits() == 64 ? -1L : (1L << o.iovaBits()) - 1;
                        w.write("      aperture: {start: 0, end: " + Hex.of(end) + "}\n");
                    }
                }
            } else if (!groups.isEmpty()) {
                w.write("  mdev_parents:\n");
                w.write("    - device: \"0000:00:02.0\"\n");
                w.write("      types:\n");
                w.write("        - {name: replay-mdev, instances: " + groups.size() + "}\n");
            }
            w.write("processes:\n");
            w.write("  - name: qemu\n");
            w.write(
                    "    memlock: "
                            + (o.memlockBytes().isPresent()
                                    ? Long.toString(o.memlockBytes().getAsLong())
                                    : "unlimited")
                            + "\n");
            if (o.capIpcLock()) {
                w.write("    cap_ipc_lock: true\n");
            }
            w.write("    regions:\n");
            int i = 0;
            for (MemoryBlock b : replay.layout().blocks()) {
                w.write(
                        region("block" + i++, b.hva(), b.size(), backing(b, o.hostPageSize()))
                                .replace(
                                        "}\n",
                                        "}   # "
                                                + b.name().replace('#', ' ')
                                                + ", "
                                                + b.kind().name().toLowerCase(Locale.ROOT)
                                                + "\n"));
            }
            if (replay.usesSyntheticBlock()) {
                w.write(
                        region(
                                "synthetic",
                                ReplayFixture.SYNTHETIC_BASE,
                                ReplayFixture.SYNTHETIC_SIZE,
                                ""));
            }
            w.write("containers:\n");
            w.write(
                    "  - {name: vm, iommu: "
                            + o.iommu().name()
                            + o.backend().map(b -> ", backend: " + b).orElse("")
                            + "}\n");
            w.write("steps:\n");
            if (!o.passthrough()) {
                for (int g : groups) {
                    w.write(
                            "  - mdev_create: {parent: \"0000:00:02.0\", type: replay-mdev, uuid: "
                                    + uuid(g)
                                    + ", as: "
                                    + groupName(g)
                                    + "}\n");
                }
            }
            try (var lines = Files.lines(steps, StandardCharsets.UTF_8)) {
                for (var it = lines.iterator(); it.hasNext(); ) {
                    w.write(it.next());
                    w.write('\n');
                }
            }
            if (summary.calls() == 0) {
                w.write("  - check: {}\n    expect: {locked_vm: 0}\n");
            }
        } finally {
            Files.deleteIfExists(steps);
        }
    }

    private String groupName(int group) {
        return replay.options().passthrough() ? Integer.toString(group) : "mdev" + group;
    }

    private static String uuid(int group) {
        return String.format(Locale.ROOT, "00000000-0000-4000-8000-%012x", group & 0xffffffffL);
    }

    private static String region(String name, long vaddr, long size, String backing) {
        return "      - {name: "
                + name
                + ", vaddr: "
                + Hex.of(vaddr)
                + ", size: "
                + Hex.of(size)
                + backing
                + "}\n";
    }

    private static String backing(MemoryBlock b, long hostPage) {
        if (b.kind() == MemoryBlock.Kind.DEVICE) {
            return ", backing: device";
        }
        if (b.pageSize() == 1L << 21 && hostPage < b.pageSize()) {
            return ", backing: hugetlb-2MiB";
        }
        if (b.pageSize() == 1L << 30) {
            return ", backing: hugetlb-1GiB";
        }
        return "";
    }

    private void write(String s) {
        try {
            out.write(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the side file if {@link #finish} never ran. */
    @Override
    public void close() throws IOException {
        out.close();
        Files.deleteIfExists(steps);
    }
}
