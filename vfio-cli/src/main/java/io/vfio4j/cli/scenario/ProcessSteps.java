package io.vfio4j.cli.scenario;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.host.FaultInjector;
import io.vfio4j.host.SimProcess;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Process life cycle (exit, exec, mmap, munmap, limits), fault injection, and plain checks. */
final class ProcessSteps {
    private ProcessSteps() {}

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "exit",
                        List.of("process"),
                        Map.of(),
                        "the process exits: its address space dies, its locked_vm stays with it",
                        (f, ctx) -> {
                            String p = ctx.liveProcess(f);
                            ctx.exited.put(p, ctx.step);
                            return new Life(p, "exit", List.of());
                        }));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "exec",
                        List.of("process", "regions"),
                        Map.of(),
                        "the process execs into a new address space and maps 'regions' there",
                        (f, ctx) -> {
                            String p = ctx.liveProcess(f);
                            return new Life(p, "exec", regions(f, ctx, p));
                        }));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "mmap",
                        List.of("process", "regions"),
                        Map.of(),
                        "map more regions into the process",
                        (f, ctx) -> {
                            String p = ctx.liveProcess(f);
                            f.req("regions");
                            return new Life(p, "mmap", regions(f, ctx, p));
                        }));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "munmap",
                        List.of("process", "vaddr", "size"),
                        Map.of(),
                        "unmap user memory (pins taken earlier stay)",
                        (f, ctx) ->
                                new Munmap(
                                        ctx.liveProcess(f),
                                        ctx.addr(f.req("vaddr")),
                                        f.req("size").size())));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "set_limit",
                        List.of("process", "memlock", "cap_ipc_lock", "cap_sys_rawio"),
                        Map.of(),
                        "change RLIMIT_MEMLOCK or capabilities of a process",
                        ProcessSteps::parseLimit));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "inject_fault",
                        List.of("site", "nth", "errno"),
                        Map.of(),
                        "make the nth next host operation at a site (pin, iommu_map, allocation) fail",
                        ProcessSteps::parseFault));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "check",
                        List.of("process", "container"),
                        Map.of(),
                        "do nothing; check the expectations",
                        (f, ctx) ->
                                new Check0(
                                        f.opt("process")
                                                .map(ctx::requireProcess)
                                                .orElse(ctx.defaultProcess()),
                                        f.opt("container")
                                                .map(ctx::requireContainer)
                                                .orElse(ctx.defaultContainer()))));
    }

    private static List<Model.RegionDef> regions(Fields f, ParseContext ctx, String process) {
        Optional<YNode> n = f.opt("regions");
        return n.isEmpty() ? List.of() : ScenarioParser.regions(n.get(), ctx, process);
    }

    static long memlock(YNode n, long pageSize) {
        if (n.text().trim().equalsIgnoreCase("unlimited")) {
            return io.vfio4j.api.host.Task.UNLIMITED;
        }
        // RLIMIT_MEMLOCK is an rlim_t (unsigned); 2^63 and above read as unlimited here, so refuse
        // them rather than let them wrap to a negative limit.
        return n.size(pageSize, 0, Long.MAX_VALUE);
    }

    private static Action parseLimit(Fields f, ParseContext ctx) {
        return new Limit(
                ctx.liveProcess(f),
                f.opt("memlock").map(n -> memlock(n, ctx.pageSize())),
                f.opt("cap_ipc_lock").map(YNode::bool),
                f.opt("cap_sys_rawio").map(YNode::bool));
    }

    private static Action parseFault(Fields f, ParseContext ctx) {
        List<String> sites =
                Arrays.stream(FaultInjector.FaultSite.values())
                        .map(s -> s.name().toLowerCase(Locale.ROOT))
                        .toList();
        String site = f.req("site").choice(sites);
        long nth = f.opt("nth").map(n -> n.integer(1, Integer.MAX_VALUE)).orElse(1L);
        List<String> errnos = Arrays.stream(Errno.values()).map(Errno::name).toList();
        Errno errno = f.opt("errno").map(n -> Errno.valueOf(n.choice(errnos))).orElse(Errno.EFAULT);
        return new Fault(
                FaultInjector.FaultSite.valueOf(site.toUpperCase(Locale.ROOT)), nth, errno);
    }

    static String memlockText(long bytes, long pageSize) {
        return bytes == io.vfio4j.api.host.Task.UNLIMITED
                ? "unlimited"
                : Sizes.pages(bytes / pageSize, pageSize);
    }

    /**
     * The process, which must be alive. Steps after an exit are refused when the file is read; this
     * is the runtime guard (ESRCH, as for a system call naming a pid that is gone).
     */
    static SimProcess alive(ScenarioRun run, String process) {
        SimProcess p = run.process(process);
        if (!p.isAlive()) {
            throw VfioException.of(Errno.ESRCH, "process %s has exited", process);
        }
        return p;
    }

    record Life(String process, String what, List<Model.RegionDef> regions) implements Action {
        @Override
        public String describe() {
            String r =
                    regions.isEmpty()
                            ? ""
                            : " ("
                                    + String.join(
                                            ", ",
                                            regions.stream()
                                                    .map(
                                                            x ->
                                                                    x.name()
                                                                            + " "
                                                                            + Sizes.human(x.size()))
                                                    .toList())
                                    + ")";
            return process + " " + what + r;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            SimProcess p = alive(run, process);
            switch (what) {
                case "exit" -> p.exit();
                case "exec" -> p.exec();
                default -> {}
            }
            run.space(process);
            try {
                run.mmap(process, regions);
            } catch (IllegalArgumentException e) {
                // The model's mmap places a region at its fixed address and never replaces what is
                // there: MAP_FIXED_NOREPLACE, which do_mmap (mm/mmap.c) refuses with EEXIST when
                // find_vma_intersection finds a mapping in the range. Alignment and wrapping were
                // refused when the file was read.
                throw VfioException.of(Errno.EEXIST, "mmap: %s", e.getMessage());
            }
            return Map.of();
        }
    }

    record Munmap(String process, Addr vaddr, long size) implements Action {
        @Override
        public String describe() {
            return process + " munmap " + vaddr + " " + Sizes.human(size);
        }

        /**
         * As munmap(2) checks (do_vmi_munmap, mm/mmap.c): an unaligned start, a length of 0 or a
         * range past the top of the address space is EINVAL; the length is rounded up to pages.
         */
        @Override
        public Map<String, Object> run(ScenarioRun run) {
            SimProcess p = alive(run, process);
            long start = run.resolve(vaddr);
            long page = run.pageSize();
            if ((start & (page - 1)) != 0) {
                throw VfioException.of(Errno.EINVAL, "munmap: 0x%x is not page aligned", start);
            }
            if (size == 0) {
                throw VfioException.of(Errno.EINVAL, "munmap: length 0");
            }
            long length = (size + page - 1) & -page;
            if (length == 0 || Long.compareUnsigned(length, -start) > 0 && start != 0) {
                throw VfioException.of(
                        Errno.EINVAL,
                        "munmap: 0x%x + 0x%x passes the top of the address space",
                        start,
                        size);
            }
            try {
                p.munmap(start, length);
            } catch (IllegalArgumentException e) {
                throw VfioException.of(Errno.EINVAL, "munmap: %s", e.getMessage());
            }
            return Map.of();
        }
    }

    record Limit(
            String process,
            Optional<Long> memlock,
            Optional<Boolean> capIpcLock,
            Optional<Boolean> capSysRawio)
            implements Action {
        @Override
        public String describe() {
            StringBuilder s = new StringBuilder(process).append(":");
            memlock.ifPresent(
                    m ->
                            s.append(" RLIMIT_MEMLOCK ")
                                    .append(
                                            m == io.vfio4j.api.host.Task.UNLIMITED
                                                    ? "unlimited"
                                                    : Sizes.human(m)));
            capIpcLock.ifPresent(c -> s.append(c ? " +CAP_IPC_LOCK" : " -CAP_IPC_LOCK"));
            capSysRawio.ifPresent(c -> s.append(c ? " +CAP_SYS_RAWIO" : " -CAP_SYS_RAWIO"));
            return s.toString();
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            SimProcess p = alive(run, process);
            memlock.ifPresent(p::setMemlockLimitBytes);
            capIpcLock.ifPresent(p::setCapIpcLock);
            capSysRawio.ifPresent(p::setCapSysRawio);
            return Map.of();
        }
    }

    record Fault(FaultInjector.FaultSite site, long nth, Errno errno) implements Action {
        @Override
        public String describe() {
            return "inject "
                    + errno
                    + " at "
                    + site.name().toLowerCase(Locale.ROOT)
                    + (nth == 1 ? " (next hit)" : " (hit " + nth + ")");
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            run.host().faults().failNth(nth, errno, site);
            return Map.of();
        }
    }

    record Check0(String process, String container) implements Action {
        @Override
        public String describe() {
            return "check";
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            return Map.of();
        }
    }
}
