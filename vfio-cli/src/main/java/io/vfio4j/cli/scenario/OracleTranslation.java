package io.vfio4j.cli.scenario;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.host.Task;
import io.vfio4j.oracle.OraclePlan;
import io.vfio4j.oracle.ProbeOp;
import io.vfio4j.oracle.ProbeProgram;
import io.vfio4j.oracle.ProbeScenario;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Translates a scenario's steps into the kernel oracle's probe operations: the container steps a
 * real x86 host performs with one process, one container and one passthrough group (the guest's
 * e1000e). Every other step is listed as not checked with the reason, never dropped.
 */
public final class OracleTranslation {
    /** The guest's RAM unless told otherwise ({@code vfio4j oracle --memory}). */
    public static final int DEFAULT_MEMORY_MIB = 256;

    /** What the guest's kernel and probe keep for themselves. */
    private static final long GUEST_OWN = 128L << 20;

    /**
     * The largest region the guest is given: 64 MiB with the default 256 MiB of RAM (two regions
     * and the guest still runs), all it can pin with more.
     */
    private final long maxRegion;

    /** All regions together: what the guest can pin and still run (its RAM less 128 MiB). */
    private final long maxMemory;

    /**
     * A larger anonymous region is only reserved (MAP_NORESERVE): a container with no IOMMU domain
     * maps it without pinning, and the test vendor driver pins only the pages it names.
     */
    static final long MAX_RESERVED = 16L << 30;

    private long mapped;

    private static final long GUEST_PAGE_SIZES = io.vfio4j.oracle.ModelProbe.GUEST_PAGE_SIZES;

    private final Scenario scenario;
    private final String name;
    private final List<ProbeOp> ops = new ArrayList<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final List<OraclePlan.Unchecked> unchecked = new ArrayList<>();
    private final Map<String, Model.RegionDef> regions = new HashMap<>();
    private final Map<String, String> skippedRegions = new HashMap<>();
    private final String process;
    private final String container;
    private final OracleMdevs mdevs;
    private final OraclePassthrough pt;

    private final Map<String, Model.RegionDef> reservedRegions = new HashMap<>();

    private OracleTranslation(Scenario scenario, int memoryMib) {
        this.maxMemory = ((long) memoryMib << 20) - GUEST_OWN;
        this.maxRegion = memoryMib <= DEFAULT_MEMORY_MIB ? maxMemory / 2 : maxMemory;
        this.scenario = scenario;
        // The probe's scenario names are one token.
        this.name = scenario.name().replaceAll("[^A-Za-z0-9_.:-]", "_");
        this.process = scenario.processes().isEmpty() ? null : scenario.processes().get(0).name();
        this.container =
                scenario.containers().isEmpty() ? null : scenario.containers().get(0).name();
        this.mdevs = new OracleMdevs(this, scenario);
        this.pt = new OraclePassthrough(this, scenario, mdevs);
    }

    /** The plan for several scenarios, one probe scenario (one guest process) each. */
    public static OraclePlan plan(List<Scenario> scenarios) {
        return plan(scenarios, DEFAULT_MEMORY_MIB);
    }

    /**
     * The plan for a guest with {@code memoryMib} of RAM (at least {@value #DEFAULT_MEMORY_MIB}):
     * regions up to its RAM less 128 MiB are pinned for real.
     */
    public static OraclePlan plan(List<Scenario> scenarios, int memoryMib) {
        if (memoryMib < DEFAULT_MEMORY_MIB) {
            throw new IllegalArgumentException("the guest needs at least 256 MiB");
        }
        List<ProbeScenario> program = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        List<OraclePlan.Unchecked> unchecked = new ArrayList<>();
        for (Scenario s : scenarios) {
            OracleTranslation t = new OracleTranslation(s, memoryMib);
            t.translate();
            program.add(new ProbeScenario(t.name, t.ops));
            labels.putAll(t.labels);
            unchecked.addAll(t.unchecked);
        }
        return new OraclePlan(new ProbeProgram(program), labels, unchecked);
    }

    private void translate() {
        if (scenario.host().platform() != io.vfio4j.host.Platform.X86) {
            skip(
                    "host",
                    "the scenario's host is "
                            + scenario.host().platform()
                            + "; the oracle's guest is x86");
            return;
        }
        if (process == null) {
            skip("processes", "no process to run the steps");
            return;
        }
        for (Model.GroupDef g : scenario.host().groups()) {
            if (g.aperture().isPresent()
                    || g.reserved().isPresent()
                    || g.pageSizeBitmap() != 0 && g.pageSizeBitmap() != GUEST_PAGE_SIZES) {
                skip(
                        "host group " + g.id(),
                        "declares its own aperture, reserved regions or page sizes; the kernel and the model both run on the"
                                + " guest's IOMMU (39-bit aperture, the MSI window reserved, 4 KiB/2 MiB/1 GiB pages)");
            }
        }
        Model.ProcessDef p = scenario.processes().get(0);
        add(
                "setup.rl",
                "setup: RLIMIT_MEMLOCK of " + p.name(),
                "rlimit",
                memlock(p.memlockBytes()));
        add(
                "setup.cap",
                "setup: CAP_IPC_LOCK of " + p.name(),
                "cap_ipc_lock",
                p.capIpcLock() ? 1 : 0);
        mmap("setup", p.regions());
        for (Model.ProcessDef other :
                scenario.processes().subList(1, scenario.processes().size())) {
            skip(
                    "process " + other.name(),
                    "the oracle runs one process a scenario (" + p.name() + ")");
        }
        for (Step step : scenario.steps()) {
            String why = step(step);
            if (why != null) {
                skip(where(step), why);
            }
        }
    }

    private static Object memlock(long bytes) {
        return bytes == Task.UNLIMITED ? "unlimited" : bytes;
    }

    /** Translates one step; returns why it is not checked, or null. */
    private String step(Step step) {
        Action a = step.action();
        String id = "s" + step.number();
        String label = where(step) + ": " + a.describe();
        if (step.expect().kernelBug()) {
            return "it ends in a kernel BUG: the guest's probe would never come back (the test"
                    + " driver's notification limit runs in a boot of its own, mdev/limit.ops)";
        }
        if (a instanceof MdevSteps.Create
                || a instanceof MdevSteps.Remove
                || a instanceof DeviceSteps.Pin) {
            return mdevs.step(step, id, label);
        } else if (a instanceof DeviceSteps.OpenClose oc) {
            return mdevs.isMdev(oc.device())
                    ? mdevs.step(step, id, label)
                    : pt.device(oc.device(), id, label, oc.open() ? "pt_open" : "pt_close");
        } else if (a instanceof MdevSteps.Plug p) {
            return mdevs.isMdev(p.device())
                    ? ours(p.container(), p.process()).orElseGet(() -> mdevs.step(step, id, label))
                    : ours(p.container(), p.process()).orElseGet(() -> pt.plug(step, p, id, label));
        } else if (a instanceof MdevSteps.Unplug u) {
            return mdevs.isMdev(u.device())
                    ? ours(u.container(), null).orElseGet(() -> mdevs.step(step, id, label))
                    : ours(u.container(), null).orElseGet(() -> pt.unplug(u, id, label));
        } else if (a instanceof ContainerSteps.Attach at) {
            return ours(at.container(), at.process())
                    .orElseGet(() -> pt.group(at.group(), id, label, "attach"));
        } else if (a instanceof ContainerSteps.Detach d) {
            return ours(d.container(), d.by())
                    .orElseGet(() -> pt.group(d.group(), id, label, "detach"));
        } else if (a instanceof ContainerSteps.SetIommu s) {
            Optional<String> not = ours(s.container(), s.process());
            if (not.isPresent()) {
                return not.get();
            }
            if (s.backend().isPresent() && !s.backend().get().equals("type1")) {
                return "backend "
                        + s.backend().get()
                        + " is the model's; the kernel has type1 only";
            }
            long type = s.type().orElseGet(this::defaultType);
            add(id, label, "set_iommu", type);
            return null;
        } else if (a instanceof ContainerSteps.CheckExt c) {
            return ours(c.container(), c.process())
                    .orElseGet(() -> add(id, label, "check_ext", c.extension()));
        } else if (a instanceof ContainerSteps.Info i) {
            return ours(i.container(), i.process())
                    .orElseGet(() -> add(id, label, "info", i.argsz()));
        } else if (a instanceof ContainerSteps.Dirty d) {
            return ours(d.container(), d.process())
                    .orElseGet(
                            () ->
                                    add(
                                            id,
                                            label,
                                            "dirty",
                                            d.flags(),
                                            d.argsz(),
                                            d.iova(),
                                            d.size(),
                                            d.pgsize()));
        } else if (a instanceof DmaSteps.MapAction m) {
            return ours(m.container(), m.process()).orElseGet(() -> map(m, id, label));
        } else if (a instanceof DmaSteps.UnmapAction u) {
            return ours(u.container(), u.process()).orElseGet(() -> unmap(u, id, label));
        } else if (a instanceof ProcessSteps.Limit l) {
            return limit(l, id, label);
        } else if (a instanceof ProcessSteps.Life l) {
            return life(l, id, label);
        } else if (a instanceof ProcessSteps.Munmap m) {
            if (!process.equals(m.process())) {
                return "process " + m.process() + " is not the oracle's process (" + process + ")";
            }
            Optional<Long> v = address(m.vaddr());
            if (v.isEmpty()) {
                return "its address names no region the guest has";
            }
            add(id, label, "munmap", v.get(), m.size());
            return null;
        }
        return reason(step.op());
    }

    private String map(DmaSteps.MapAction m, String id, String label) {
        Optional<Long> vaddr = address(m.vaddr());
        Optional<Long> iova = address(m.iova());
        if (vaddr.isEmpty() || iova.isEmpty()) {
            iova.ifPresent(i -> pt.skipped(i, m.size(), label));
            return skippedRegion(m.vaddr()).orElse("its address names no region the guest has");
        }
        Model.RegionDef reserved =
                m.vaddr().base() == null ? null : reservedRegions.get(m.vaddr().base());
        if (reserved != null) {
            Optional<String> why = pt.mapReserved(iova.get(), m.size(), label);
            if (why.isPresent()) {
                return "region "
                        + reserved.name()
                        + " is "
                        + Sizes.human(reserved.size())
                        + ": the guest reserves it but can pin at most "
                        + Sizes.human(maxMemory)
                        + why.get();
            }
        }
        add(id, label, "map", vaddr.get(), iova.get(), m.size(), m.flags(), m.argsz());
        return null;
    }

    /** Why a pin at {@code iova} is not checked: it lies in a mapping that was not made. */
    Optional<String> skippedIova(long iova) {
        return pt.skippedIova(iova);
    }

    /** After a detach: when no group is left, the backend and its mappings went. */
    void groupLeft() {
        pt.groupLeft();
    }

    /** The largest region pinned for real. */
    long maxRegion() {
        return maxRegion;
    }

    private String unmap(DmaSteps.UnmapAction u, String id, String label) {
        Optional<Long> iova = address(u.iova());
        if (iova.isEmpty()) {
            return "its IOVA names a DMA window, which only SPAPR has";
        }
        boolean all = (u.flags() & io.vfio4j.api.command.UnmapDma.ALL) != 0;
        Optional<String> bug = mdevs.unmap(iova.get(), u.size(), all);
        if (bug.isPresent()) {
            return bug.get();
        }
        add(id, label, "unmap", iova.get(), u.size(), u.flags(), u.argsz(), u.pgsize());
        pt.unmapped(iova.get(), u.size(), all);
        return null;
    }

    private String limit(ProcessSteps.Limit l, String id, String label) {
        if (!process.equals(l.process())) {
            return "process " + l.process() + " is not the oracle's process (" + process + ")";
        }
        if (l.capSysRawio().isPresent()) {
            return "CAP_SYS_RAWIO matters to no-IOMMU groups only, which the guest does not have";
        }
        if (l.memlock().isPresent()) {
            add(
                    id + (l.capIpcLock().isPresent() ? "a" : ""),
                    label,
                    "rlimit",
                    memlock(l.memlock().get()));
        }
        l.capIpcLock()
                .ifPresent(
                        c ->
                                add(
                                        id + (l.memlock().isPresent() ? "b" : ""),
                                        label,
                                        "cap_ipc_lock",
                                        c ? 1 : 0));
        return null;
    }

    private String life(ProcessSteps.Life l, String id, String label) {
        if (!process.equals(l.process())) {
            return "process " + l.process() + " is not the oracle's process (" + process + ")";
        }
        return switch (l.what()) {
            case "exit" -> add(id, label, "exit");
            case "mmap" -> {
                mmap(id, l.regions());
                yield null;
            }
            default -> "exec: the probe cannot replace its own image and keep its files";
        };
    }

    private void mmap(String id, List<Model.RegionDef> defs) {
        int n = 0;
        for (Model.RegionDef r : defs) {
            String key = id + ".r" + (++n);
            if (r.backing() == Model.Backing.HOLE) {
                regions.put(r.name(), r); // a name for addresses with nothing behind them
            } else if (r.backing() != Model.Backing.ANONYMOUS) {
                skippedRegions.put(
                        r.name(),
                        "region "
                                + r.name()
                                + " is "
                                + r.backing().yaml()
                                + "; the guest maps anonymous memory only");
                skip(id + " region " + r.name(), skippedRegions.get(r.name()));
            } else if (r.size() > MAX_RESERVED) {
                skippedRegions.put(
                        r.name(),
                        "region "
                                + r.name()
                                + " is "
                                + Sizes.human(r.size())
                                + "; the guest's process reserves at most "
                                + Sizes.human(MAX_RESERVED)
                                + " a region");
                skip(id + " region " + r.name(), skippedRegions.get(r.name()));
            } else {
                // What does not fit in the guest's RAM is reserved, pinned only where a pin asks.
                boolean reserved = r.size() > maxRegion || mapped + r.size() > maxMemory;
                if (reserved) {
                    reservedRegions.put(r.name(), r);
                } else {
                    mapped += r.size();
                }
                regions.put(r.name(), r);
                add(
                        key,
                        "mmap "
                                + r.name()
                                + " "
                                + Sizes.human(r.size())
                                + " at "
                                + Sizes.hex(r.vaddr())
                                + (reserved ? " (reserved, never touched but where pinned)" : ""),
                        "mmap",
                        r.vaddr(),
                        r.size(),
                        r.readOnly() ? "r" : "rw");
            }
        }
    }

    private Optional<String> skippedRegion(Addr a) {
        return Optional.ofNullable(a.base()).map(skippedRegions::get);
    }

    Optional<Long> address(Addr a) {
        if (a.base() == null) {
            return Optional.of(a.offset());
        }
        Model.RegionDef r = regions.get(a.base());
        return r == null ? Optional.empty() : Optional.of(r.vaddr() + a.offset());
    }

    private Optional<String> ours(String c, String p) {
        if (c != null && !c.equals(container)) {
            return Optional.of(
                    "container "
                            + c
                            + ": the oracle runs one container a scenario ("
                            + container
                            + ")");
        }
        if (p != null && !p.equals(process)) {
            return Optional.of("process " + p + " is not the oracle's process (" + process + ")");
        }
        return Optional.empty();
    }

    private long defaultType() {
        return scenario.containers()
                .get(0)
                .iommu()
                .flatMap(OracleTranslation::typeId)
                .orElse((long) IommuType.TYPE1v2.id());
    }

    private static Optional<Long> typeId(String name) {
        for (IommuType t : IommuType.values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return Optional.of((long) t.id());
            }
        }
        return Optional.empty();
    }

    /** Why a step kind is never checked. */
    static String reason(String op) {
        if (op.startsWith("vendor")) {
            return "mdev: the test vendor driver has no such request";
        }
        if (op.startsWith("spapr") || op.startsWith("eeh")) {
            return "SPAPR: the guest is x86";
        }
        if (op.equals("inject_fault")) {
            return "fault injection belongs to the model's host";
        }
        if (op.equals("check")) {
            return "an expectation-only step: it issues nothing";
        }
        if (op.startsWith("iommufd_")
                || op.startsWith("ioas_")
                || op.startsWith("hwpt_")
                || op.startsWith("device_")) {
            return "iommufd native objects: the probe drives VFIO containers, not /dev/iommu";
        }
        return op
                + ": the probe has no such operation (device file descriptors and DMA are not driven)";
    }

    String add(String id, String label, String op, Object... args) {
        ProbeOp o = ProbeOp.of(id, op, args);
        ops.add(o);
        labels.put(OraclePlan.key(name, id), label);
        return null;
    }

    private void skip(String step, String reason) {
        unchecked.add(new OraclePlan.Unchecked(name, step, reason));
    }

    private static String where(Step s) {
        return "step " + s.number() + " (line " + s.line() + ")";
    }
}
