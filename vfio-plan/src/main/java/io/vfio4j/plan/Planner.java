package io.vfio4j.plan;

import io.vfio4j.plan.DomainSpec.Hostdev;
import io.vfio4j.plan.DomainSpec.HostdevKind;
import io.vfio4j.plan.DomainSpec.MemoryDevice;
import io.vfio4j.plan.DomainSpec.MemoryModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans a domain: simulates the QEMU process on the simulated host twice — once without a limit,
 * for what the kernel charges (the need), and once under the limit libvirt sets, applied as libvirt
 * applies it at start and around each lifecycle step, for the first refused call — and compares the
 * two.
 */
public final class Planner {
    private static final Logger LOG = LoggerFactory.getLogger(Planner.class);

    /** The need run's limit: far above any guest, and a whole number of 64 KiB pages. */
    private static final long NO_LIMIT = 1L << 60;

    /**
     * @param era which libvirt rules compute the limit
     * @param mdevWorkingSetBytes the guest pages each mdev pins (a multiple of the host page size)
     * @param inheritedLimitBytes the limit QEMU inherits when libvirt sets none
     * @param steps the lifecycle after the start
     */
    public record Options(
            LibvirtEra era,
            long mdevWorkingSetBytes,
            long inheritedLimitBytes,
            List<LifecycleStep> steps) {
        /** The kernel's default RLIMIT_MEMLOCK since 5.16 (MLOCK_LIMIT, 8 MiB). */
        public static final long DEFAULT_INHERITED = 8L << 20;

        public Options {
            Objects.requireNonNull(era, "era");
            steps = List.copyOf(steps);
        }

        public static Options defaults() {
            return new Options(LibvirtEra.CURRENT, 0, DEFAULT_INHERITED, List.of());
        }
    }

    private Planner() {}

    /**
     * @throws PlanInputException a hotplug file that cannot be used
     * @throws IllegalArgumentException a step naming an alias the domain does not have
     */
    public static PlanResult plan(DomainSpec domain, Options o) {
        List<String> notModelled = notModelled(domain);
        Topology topology = Topology.of(domain);
        List<Stage> stages = stages(domain, o);
        Runs need = run(topology, o, stages, false);
        boolean tooLow = false;
        for (int i = 0; i < stages.size(); i++) {
            tooLow |= need.runs().get(i).needBytes() > stages.get(i).applied();
        }
        // The run under libvirt's limit only finds which call is refused: needed when one is.
        Runs limited = tooLow ? run(topology, o, stages, true) : null;
        List<StepResult> results = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            Optional<Failure> failure =
                    limited == null ? Optional.empty() : limited.runs().get(i).failure();
            results.add(result(stages.get(i), need.runs().get(i), failure));
        }
        Verdict verdict = overall(results, notModelled);
        LOG.debug("planned {}: {}", domain.file(), verdict);
        return new PlanResult(
                domain,
                o.era(),
                o.mdevWorkingSetBytes(),
                o.inheritedLimitBytes(),
                need.pageSize(),
                results,
                verdict,
                notModelled);
    }

    /** The start or a step as libvirt sees it: the definitions around it and the limits. */
    private record Stage(
            String label,
            LifecycleStep step,
            DomainSpec before,
            DomainSpec after,
            LibvirtLimit libvirt,
            long applied) {}

    /** What one simulated QEMU charged during a stage; the failure is the stage's own. */
    private record Run(
            long locked, long pinned, List<ContainerCharge> charges, Optional<Failure> failure) {
        long needBytes() {
            return Math.max(locked, pinned);
        }
    }

    private record Runs(long pageSize, List<Run> runs) {}

    /**
     * libvirt's limit at each stage, applied as libvirt applies it: set at start (the inherited one
     * when it computes 0), raised with prlimit before a device or memory is added, never lowered
     * while a device needs one, the original restored once none does.
     */
    private static List<Stage> stages(DomainSpec domain, Options o) {
        List<Stage> out = new ArrayList<>();
        LibvirtLimit lv = LibvirtFormula.limit(domain, o.era());
        long applied = lv.bytes() == 0 ? o.inheritedLimitBytes() : lv.bytes();
        out.add(new Stage("start", null, domain, domain, lv, applied));
        DomainSpec cur = domain;
        for (LifecycleStep step : o.steps()) {
            DomainSpec next = next(cur, step);
            lv = LibvirtFormula.limit(next, o.era());
            if (step instanceof LifecycleStep.Unplug) {
                if (lv.bytes() == 0) {
                    applied = o.inheritedLimitBytes();
                }
            } else {
                applied = Math.max(applied, lv.bytes());
            }
            out.add(new Stage(step.label(), step, cur, next, lv, applied));
            cur = next;
        }
        return out;
    }

    /** Runs every stage on one simulated QEMU, without a limit or under the stages' limits. */
    private static Runs run(Topology t, Options o, List<Stage> stages, boolean limited) {
        long first = limited ? stages.get(0).applied() : NO_LIMIT;
        try (SimulatedVm vm = new SimulatedVm(t, first, o.mdevWorkingSetBytes())) {
            requireWorkingSetAligned(o, vm.pageSize());
            List<Run> runs = new ArrayList<>();
            vm.start(simulated(stages.get(0).after()));
            runs.add(
                    new Run(
                            vm.peakLockedBytes(),
                            vm.peakPinnedBytes(),
                            vm.charges(),
                            vm.failure()));
            for (Stage s : stages.subList(1, stages.size())) {
                vm.resetPeaks();
                boolean failedBefore = vm.failure().isPresent();
                if (s.step() instanceof LifecycleStep.Unplug) {
                    // The device goes first, then libvirt adjusts the limit; the step is judged
                    // on what stays charged: removal only un-charges.
                    apply(s.before(), s.after(), s.step(), vm);
                    vm.resetPeaks();
                    if (limited) {
                        vm.setLimit(s.applied());
                    }
                } else {
                    if (limited) {
                        vm.setLimit(s.applied());
                    }
                    apply(s.before(), s.after(), s.step(), vm);
                }
                Optional<Failure> f = failedBefore ? Optional.empty() : vm.failure();
                runs.add(new Run(vm.peakLockedBytes(), vm.peakPinnedBytes(), vm.charges(), f));
            }
            return new Runs(vm.pageSize(), runs);
        }
    }

    private static void requireWorkingSetAligned(Options o, long pageSize) {
        if (o.mdevWorkingSetBytes() < 0 || o.mdevWorkingSetBytes() % pageSize != 0) {
            throw new IllegalArgumentException(
                    "--mdev-working-set must be a multiple of the host page size ("
                            + Sizes.human(pageSize)
                            + ")");
        }
    }

    private static DomainSpec next(DomainSpec cur, LifecycleStep step) {
        if (step instanceof LifecycleStep.Hotplug h) {
            return DomainXmlParser.plugInto(cur, h.file());
        }
        if (step instanceof LifecycleStep.MemoryPlug m) {
            long align = Topology.isPseries(cur) ? 256 * 1024 : 2048;
            long kib = Sizes.roundUp((m.bytes() + 1023) / 1024, align);
            String alias = "dimm" + cur.memoryDevices().size();
            return cur.withMemoryDevice(new MemoryDevice(alias, MemoryModel.DIMM, kib, kib));
        }
        String alias = ((LifecycleStep.Unplug) step).alias();
        if (!cur.hasAlias(alias)) {
            throw new IllegalArgumentException(
                    "unplug:" + alias + ": the domain has no device with that alias");
        }
        return cur.without(alias);
    }

    private static void apply(
            DomainSpec cur, DomainSpec next, LifecycleStep step, SimulatedVm sim) {
        if (step instanceof LifecycleStep.Unplug u) {
            if (cur.memoryDevices().stream().anyMatch(m -> m.alias().equals(u.alias()))) {
                sim.removeRam(u.alias());
            } else {
                sim.unplug(u.alias());
            }
            return;
        }
        if (step instanceof LifecycleStep.MemoryPlug) {
            MemoryDevice m = next.memoryDevices().get(next.memoryDevices().size() - 1);
            long iova = RamRegion.nextFree(sim.ram(), 4L << 30);
            sim.addRam(RamRegion.region(m.alias(), m.alias(), iova, m.mappedKiB() * 1024), true);
            return;
        }
        boolean pseries = Topology.isPseries(next);
        for (Hostdev h : next.hostdevs().subList(cur.hostdevs().size(), next.hostdevs().size())) {
            if (!(pseries && h.kind() == HostdevKind.MDEV)) {
                sim.plugHostdev(h);
            }
        }
        for (DomainSpec.NvmeDisk n :
                next.nvmeDisks().subList(cur.nvmeDisks().size(), next.nvmeDisks().size())) {
            if (!pseries) {
                sim.plugNvme(n.alias(), n.pciAddress());
            }
        }
        next.vdpas()
                .subList(cur.vdpas().size(), next.vdpas().size())
                .forEach(v -> sim.plugVdpa(v.alias()));
    }

    private static StepResult result(Stage s, Run need, Optional<Failure> failure) {
        Verdict v;
        if (!pins(s.after()) && need.needBytes() == 0) {
            v = Verdict.NOT_NEEDED;
        } else {
            v = need.needBytes() <= s.applied() ? Verdict.OK : Verdict.TOO_LOW;
        }
        return new StepResult(
                s.label(),
                s.libvirt(),
                s.applied(),
                need.locked(),
                need.pinned(),
                need.charges(),
                v,
                failure);
    }

    /** Whether any device of the domain can pin guest memory. */
    static boolean pins(DomainSpec d) {
        return d.hostdevs().stream().anyMatch(h -> h.kind() != HostdevKind.OTHER)
                || !d.vdpas().isEmpty()
                || !d.nvmeDisks().isEmpty();
    }

    private static Verdict overall(List<StepResult> steps, List<String> notModelled) {
        if (!notModelled.isEmpty()) {
            return Verdict.NOT_MODELLED;
        }
        if (steps.stream().anyMatch(s -> s.verdict() == Verdict.TOO_LOW)) {
            return Verdict.TOO_LOW;
        }
        if (steps.stream().allMatch(s -> s.verdict() == Verdict.NOT_NEEDED)) {
            return Verdict.NOT_NEEDED;
        }
        return Verdict.OK;
    }

    /** What of the domain lies outside the model; the rest is still simulated. */
    static List<String> notModelled(DomainSpec d) {
        List<String> out = new ArrayList<>();
        if (d.locked()) {
            out.add(
                    "<locked/>: QEMU mlocks all of its memory (guest RAM and its own allocations);"
                            + " only the VFIO and vDPA charges are simulated");
        }
        if (Topology.isPseries(d)) {
            if (d.hostdevs().stream().anyMatch(h -> h.kind() == HostdevKind.MDEV)) {
                out.add(
                        "mdev on pseries: SPAPR TCE containers take no emulated group; not simulated");
            }
            if (!d.nvmeDisks().isEmpty()) {
                out.add(
                        "NVMe disk on pseries: QEMU's NVMe driver asks for type1, which POWER hosts"
                                + " lack; not simulated");
            }
        }
        return out;
    }

    /** The part of the domain the simulation runs: pseries mdevs and NVMe disks left out. */
    private static DomainSpec simulated(DomainSpec d) {
        if (!Topology.isPseries(d)) {
            return d;
        }
        DomainSpec s = d;
        for (Hostdev h : d.hostdevs()) {
            if (h.kind() == HostdevKind.MDEV) {
                s = s.without(h.alias());
            }
        }
        for (DomainSpec.NvmeDisk n : d.nvmeDisks()) {
            s = s.without(n.alias());
        }
        return s;
    }
}
