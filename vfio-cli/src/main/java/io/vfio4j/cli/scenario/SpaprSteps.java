package io.vfio4j.cli.scenario;

import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.command.SpaprDisable;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.VfioCommand;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SPAPR TCE steps: enable/disable (v1), memory preregistration and DMA windows (v2), EEH. */
final class SpaprSteps {
    private SpaprSteps() {}

    static final List<String> EEH_OPS =
            List.of(
                    "disable",
                    "enable",
                    "unfreeze_io",
                    "unfreeze_dma",
                    "get_state",
                    "reset_deactivate",
                    "reset_hot",
                    "reset_fundamental",
                    "configure",
                    "inject_err");

    static void register(Map<String, StepKind> kinds) {
        simple(kinds, "spapr_enable", "VFIO_IOMMU_ENABLE (v1): charges the default window", true);
        simple(kinds, "spapr_disable", "VFIO_IOMMU_DISABLE (v1): un-charges it", false);
        for (boolean reg : new boolean[] {true, false}) {
            ContainerSteps.add(
                    kinds,
                    new StepKind(
                            reg ? "spapr_register" : "spapr_unregister",
                            List.of("container", "process", "vaddr", "size", "flags"),
                            Map.of(),
                            reg
                                    ? "VFIO_IOMMU_SPAPR_REGISTER_MEMORY (v2): pin and charge guest RAM"
                                    : "VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY (v2)",
                            (f, ctx) -> parseRegister(f, ctx, reg)));
        }
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "spapr_tce_create",
                        List.of(
                                "container",
                                "process",
                                "page_size",
                                "window_size",
                                "levels",
                                "save_as",
                                "flags",
                                "argsz"),
                        Map.of("start_addr", Check.Unit.ADDRESS),
                        "VFIO_IOMMU_SPAPR_TCE_CREATE (v2): result start_addr; save_as names the window",
                        SpaprSteps::parseCreate));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "spapr_tce_remove",
                        List.of("container", "process", "start", "flags"),
                        Map.of(),
                        "VFIO_IOMMU_SPAPR_TCE_REMOVE (v2): remove the window containing 'start'",
                        (f, ctx) ->
                                new Cmd(
                                                ctx.container(f),
                                                ctx.process(f),
                                                "TCE_REMOVE",
                                                ctx.addr(f.req("start")),
                                                0,
                                                null)
                                        .raw(-1, flags(f))));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "spapr_get_info",
                        List.of("container", "process", "argsz"),
                        Map.of(
                                "dma32_start", Check.Unit.ADDRESS,
                                "dma32_size", Check.Unit.BYTES,
                                "ddw", Check.Unit.COUNT,
                                "page_sizes", Check.Unit.ADDRESS,
                                "max_windows", Check.Unit.COUNT,
                                "levels", Check.Unit.COUNT),
                        "VFIO_IOMMU_SPAPR_TCE_GET_INFO: the default window and DDW capabilities",
                        (f, ctx) ->
                                new Cmd(ctx.container(f), ctx.process(f), "GET_INFO", null, 0, null)
                                        .raw(argsz(f), 0)));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "eeh",
                        List.of("container", "process", "op", "flags", "argsz"),
                        Map.of("value", Check.Unit.COUNT),
                        "VFIO_EEH_PE_OP: op "
                                + String.join(", ", EEH_OPS)
                                + " or a number (result value)",
                        (f, ctx) ->
                                new Cmd(
                                                ctx.container(f),
                                                ctx.process(f),
                                                "EEH",
                                                null,
                                                eehOp(f.req("op")),
                                                null)
                                        .raw(argsz(f), flags(f))));
    }

    /** No flag is defined for these ioctls: any bit set is a raw value the kernel judges. */
    static final Flags NO_FLAGS = new Flags(Map.of());

    static int flags(Fields f) {
        return f.opt("flags").map(NO_FLAGS::parse).orElse(0);
    }

    static int argsz(Fields f) {
        return f.opt("argsz").map(n -> n.intValue(0, 1 << 20)).orElse(-1);
    }

    /** An op name, or a raw op number (an unknown one is the kernel's EINVAL). */
    static int eehOp(YNode n) {
        for (int i = 0; i < EEH_OPS.size(); i++) {
            if (EEH_OPS.get(i).equalsIgnoreCase(n.text())) {
                return i;
            }
        }
        if (n.text().trim().matches("-?[0-9]+|0[xX][0-9a-fA-F_]+")) {
            return (int) n.integer(Integer.MIN_VALUE, 0xffff_ffffL);
        }
        return EEH_OPS.indexOf(n.choice(EEH_OPS));
    }

    private static void simple(
            Map<String, StepKind> kinds, String key, String summary, boolean enable) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        key,
                        List.of("container", "process"),
                        Map.of(),
                        summary,
                        (f, ctx) ->
                                new Cmd(
                                        ctx.container(f),
                                        ctx.process(f),
                                        enable ? "ENABLE" : "DISABLE",
                                        null,
                                        0,
                                        null)));
    }

    private static Action parseRegister(Fields f, ParseContext ctx, boolean reg) {
        Addr vaddr = ctx.addr(f.req("vaddr"));
        long size;
        if (f.opt("size").isPresent()) {
            size = f.req("size").size();
        } else if (vaddr.offset() == 0 && ctx.regionSizes.containsKey(vaddr.base())) {
            size = ctx.regionSizes.get(vaddr.base());
        } else {
            throw f.node().error("%s: missing key 'size'", f.node().what());
        }
        return new Cmd(
                        ctx.container(f),
                        ctx.process(f),
                        reg ? "REGISTER" : "UNREGISTER",
                        vaddr,
                        size,
                        null)
                .raw(-1, flags(f));
    }

    private static Action parseCreate(Fields f, ParseContext ctx) {
        YNode ps = f.req("page_size");
        long pageSize = ps.size();
        if (Long.bitCount(pageSize) != 1) {
            throw ps.error("%s: %d is not a power of two", ps.what(), pageSize);
        }
        long window = f.req("window_size").size();
        int levels = f.opt("levels").map(n -> n.intValue(0, 64)).orElse(1);
        String saveAs = null;
        if (f.opt("save_as").isPresent()) {
            YNode n = f.req("save_as");
            saveAs = n.name();
            if (ctx.regions.containsKey(saveAs)) {
                throw n.error("%s: '%s' is already a region name", n.what(), saveAs);
            }
            ctx.windows.add(saveAs);
        }
        return new Cmd(
                ctx.container(f),
                ctx.process(f),
                "TCE_CREATE",
                null,
                window,
                new long[] {Long.numberOfTrailingZeros(pageSize), levels},
                saveAs,
                argsz(f),
                flags(f));
    }

    /**
     * One SPAPR ioctl.
     *
     * @param what ENABLE, DISABLE, REGISTER, UNREGISTER, TCE_CREATE, TCE_REMOVE, GET_INFO, EEH
     * @param size the size for REGISTER/UNREGISTER, the window size for TCE_CREATE, the op for EEH
     * @param shape page shift and levels for TCE_CREATE
     * @param argsz a raw argsz, or -1 for the structure's own size
     * @param flags the raw flags word (none is defined for these ioctls)
     */
    record Cmd(
            String container,
            String process,
            String what,
            Addr addr,
            long size,
            long[] shape,
            String saveAs,
            int argsz,
            int flags)
            implements Action {
        Cmd(String container, String process, String what, Addr addr, long size, long[] shape) {
            this(container, process, what, addr, size, shape, null, -1, 0);
        }

        Cmd raw(int newArgsz, int newFlags) {
            return new Cmd(container, process, what, addr, size, shape, saveAs, newArgsz, newFlags);
        }

        private int argsz(int standard) {
            return argsz < 0 ? standard : argsz;
        }

        @Override
        public String describe() {
            return switch (what) {
                        case "REGISTER", "UNREGISTER" ->
                                what.toLowerCase(java.util.Locale.ROOT)
                                        + " memory "
                                        + addr
                                        + " "
                                        + Sizes.human(size);
                        case "TCE_CREATE" ->
                                "create window "
                                        + Sizes.human(size)
                                        + ", "
                                        + Sizes.human(1L << shape[0])
                                        + " pages, "
                                        + shape[1]
                                        + (shape[1] == 1 ? " level" : " levels")
                                        + (saveAs != null ? " as " + saveAs : "");
                        case "TCE_REMOVE" -> "remove window at " + addr;
                        case "GET_INFO" -> "SPAPR_TCE_GET_INFO on " + container;
                        case "EEH" ->
                                "EEH_PE_OP "
                                        + (size >= 0 && size < EEH_OPS.size()
                                                ? EEH_OPS.get((int) size)
                                                : "op " + size);
                        default -> what;
                    }
                    + (flags != 0 ? " flags 0x" + Integer.toHexString(flags) : "")
                    + (argsz >= 0 ? " argsz " + argsz : "")
                    + (what.equals("GET_INFO") ? "" : " on " + container);
        }

        private EehPeOp eeh() {
            int op = (int) size;
            return op == EehPeOp.INJECT_ERR
                    ? new EehPeOp(argsz(EehPeOp.MIN_ARGSZ_INJECT), flags, op, 0, 0, 0, 0)
                    : new EehPeOp(argsz(EehPeOp.MIN_ARGSZ), flags, op, 0, 0, 0, 0);
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioCommand<?> cmd =
                    switch (what) {
                        case "ENABLE" -> new SpaprEnable();
                        case "DISABLE" -> new SpaprDisable();
                        case "REGISTER" ->
                                new SpaprRegisterMemory(
                                        SpaprRegisterMemory.MIN_ARGSZ,
                                        flags,
                                        run.resolve(addr),
                                        size);
                        case "UNREGISTER" ->
                                new SpaprUnregisterMemory(
                                        SpaprUnregisterMemory.MIN_ARGSZ,
                                        flags,
                                        run.resolve(addr),
                                        size);
                        case "TCE_CREATE" ->
                                new SpaprTceCreate(
                                        argsz(SpaprTceCreate.MIN_ARGSZ),
                                        flags,
                                        (int) shape[0],
                                        size,
                                        (int) shape[1]);
                        case "TCE_REMOVE" ->
                                new SpaprTceRemove(
                                        SpaprTceRemove.MIN_ARGSZ, flags, run.resolve(addr));
                        case "GET_INFO" -> new SpaprTceGetInfo(argsz(SpaprTceGetInfo.FULL_ARGSZ));
                        case "EEH" -> eeh();
                        default -> throw new IllegalStateException(what);
                    };
            Object r = run.container(container).ioctl(run.process(process), cmd);
            Map<String, Object> out = new LinkedHashMap<>();
            if (r instanceof Long start) {
                out.put("start_addr", start);
                if (saveAs != null) {
                    run.saveWindow(saveAs, start);
                }
            } else if (r instanceof Integer v) {
                out.put("value", (long) v);
            } else if (r instanceof SpaprTceGetInfo.Info i) {
                out.put("dma32_start", i.dma32WindowStart());
                out.put("dma32_size", i.dma32WindowSize());
                out.put("ddw", (long) (i.flags() & SpaprTceGetInfo.FLAG_DDW));
                out.put("page_sizes", i.pageSizes());
                out.put("max_windows", (long) i.maxDynamicWindows());
                out.put("levels", (long) i.levels());
            }
            return out;
        }
    }
}
