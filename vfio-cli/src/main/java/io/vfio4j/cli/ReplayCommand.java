package io.vfio4j.cli;

import io.vfio4j.api.IommuType;
import io.vfio4j.core.Vfio;
import io.vfio4j.replay.HtmlReport;
import io.vfio4j.replay.JsonReport;
import io.vfio4j.replay.MemoryFiles;
import io.vfio4j.replay.MemoryLayout;
import io.vfio4j.replay.Replay;
import io.vfio4j.replay.ReplayInputException;
import io.vfio4j.replay.ReplayListener;
import io.vfio4j.replay.ReplayOptions;
import io.vfio4j.replay.ReplaySummary;
import io.vfio4j.replay.ScenarioWriter;
import io.vfio4j.replay.Sizes;
import io.vfio4j.replay.TextReport;
import io.vfio4j.report.ReportFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vfio4j replay TRACE}: a VMM's VFIO trace replayed on the model (module vfio-replay). */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Replay a VMM's VFIO trace on the model: the kernel's answers.",
            "Reads QEMU vfio and iommufd trace events and vfio-user server logs: the answer",
            "to every DMA map and unmap, locked_vm after each, the peak, and the smallest",
            "RLIMIT_MEMLOCK that lets the whole trace through. Cut lines, continuations and",
            "unknown events are listed, never replayed.",
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j replay qemu.log                         table of calls and a summary",
            "  vfio4j replay --memory ramblock.txt qemu.log   blocks from 'info ramblock'",
            "  vfio4j replay --memlock 4GiB qemu.log          the first call refused at 4 GiB",
            "  vfio4j replay --json qemu.log > replay.json    the documented JSON schema",
            "  vfio4j replay --emit-scenario vm.yaml qemu.log  and a regression scenario",
            "  vfio4j replay --html replay.html qemu.log      and an HTML page with a plot",
            "  vfio4j replay --compare type1,iommufd qemu.log the calls where they differ",
            "",
            "The trace formats and the JSON schema are described in docs/replay.md.",
            "With --compare the trace is replayed once per named backend and the calls whose",
            "errno, unmapped size, locked_vm, pinned_vm or user locked_vm differ are listed;",
            "exit 0 when every replay completed (2 for a bad list, or with --backend or",
            "--emit-scenario).",
            "",
            ReplayCommand.EXIT_CODES_0,
            ReplayCommand.EXIT_CODES_1,
            ReplayCommand.EXIT_CODES_2,
            Vfio4jCommand.EXIT_CODES_3,
            Vfio4jCommand.EXIT_CODES_4,
            ReplayCommand.EXIT_CODES_5,
        })
final class ReplayCommand implements Callable<Integer> {
    static final String EXIT_CODES_0 = "Exit codes:";
    static final String EXIT_CODES_1 =
            "  0  replayed; no call refused for RLIMIT_MEMLOCK, none differs from the trace";
    static final String EXIT_CODES_2 =
            "  1  a call refused with ENOMEM, or an answer unlike the one the trace recorded";
    static final String EXIT_CODES_5 = "  4  the trace or --memory file is unreadable or malformed";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin ConfigOptions config;

    @Parameters(index = "0", paramLabel = "TRACE", description = "The trace or log file.")
    Path trace;

    @Option(
            names = "--memory",
            paramLabel = "FILE",
            description =
                    "QEMU's 'info ramblock' output or a YAML list of blocks {name, hva, size,"
                            + " page_size, kind: ram|rom|device}. Default: guessed from the trace.")
    Path memory;

    @Option(
            names = "--json",
            description = "Print JSON (schema vfio4j-replay/1) instead of a table.")
    boolean json;

    @Option(names = "--summary", description = "Print the summary only, not every call.")
    boolean summaryOnly;

    @Option(
            names = "--html",
            paramLabel = "FILE",
            description =
                    "Also write one self-contained HTML page: the summary, locked_vm over the"
                            + " trace with RLIMIT_MEMLOCK and refused calls marked, the calls.")
    Path html;

    @Option(
            names = "--emit-scenario",
            paramLabel = "FILE",
            description =
                    "Also write the replay as a scenario file whose steps expect the answers"
                            + " the model gave (run it with vfio4j run).")
    Path emitScenario;

    @Option(
            names = "--iommu",
            paramLabel = "TYPE",
            description =
                    "The IOMMU type: TYPE1, TYPE1v2 (default), or another type a backend serves.")
    String iommu = "TYPE1v2";

    @Option(
            names = "--compare",
            paramLabel = "BACKEND,BACKEND[,...]",
            description =
                    "Replay on each named backend and list the calls whose answers or counters"
                            + " differ.")
    String compare;

    @Option(names = "--backend", paramLabel = "NAME", description = "Ask only this backend.")
    String backend;

    @Option(
            names = "--mdev-only",
            description =
                    "An mdev-only container (no IOMMU domain) instead of a passthrough group.")
    boolean mdevOnly;

    @Option(
            names = "--memlock",
            paramLabel = "SIZE",
            description = "RLIMIT_MEMLOCK: 4GiB, 0x1000, bytes, or unlimited (default).")
    String memlock = "unlimited";

    @Option(names = "--cap-ipc-lock", description = "The VMM holds CAP_IPC_LOCK.")
    boolean capIpcLock;

    @Option(
            names = "--dma-entry-limit",
            paramLabel = "N",
            description = "The backend's limit of live mappings (type1 default 65535).")
    Long dmaEntryLimit;

    @Option(
            names = "--page-size",
            paramLabel = "SIZE",
            description = "The host page size (default 4KiB).")
    String pageSize = "4KiB";

    @Option(
            names = "--iova-bits",
            paramLabel = "N",
            description =
                    "The host IOMMU's address width: IOVAs from 2^N are refused (default 48).")
    int iovaBits = 48;

    @Option(
            names = "--check-invariants",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Prove the accounting invariants after every call (default: on;"
                            + " --no-check-invariants is faster on long traces).")
    boolean checkInvariants = true;

    @Override
    public Integer call() {
        // A settings error (a missing --config file, an unknown key) is reported before the trace
        // is read: exit 3, as from every subcommand.
        // Settings and backends are checked before the trace is read (exit 3), as run does.
        Vfio.builder()
                .host(io.vfio4j.host.SimHost.builder().build())
                .configuration(config.configuration())
                .withStandardSources()
                .build()
                .close();
        ReplayOptions options = options();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> backends = null;
        if (compare != null) {
            try {
                backends = CompareExecution.backends(compare);
            } catch (IllegalArgumentException e) {
                err.println("vfio4j: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            if (backend != null || emitScenario != null) {
                err.println(
                        "vfio4j: --compare excludes "
                                + (backend != null ? "--backend" : "--emit-scenario"));
                return ExitCodes.USAGE;
            }
        }
        try {
            Optional<MemoryLayout> layout =
                    memory == null
                            ? Optional.empty()
                            : Optional.of(MemoryFiles.read(memory, options.hostPageSize()));
            if (backends != null) {
                return ReplayCompare.run(
                        trace,
                        layout,
                        options,
                        backends,
                        (host, keys) ->
                                Vfio.builder()
                                        .host(host)
                                        .configuration(config.configuration(keys))
                                        .withStandardSources()
                                        .build(),
                        json,
                        summaryOnly,
                        html,
                        out,
                        err);
            }
            Replay replay =
                    Replay.prepare(
                            trace,
                            layout,
                            options,
                            (host, keys) ->
                                    Vfio.builder()
                                            .host(host)
                                            .configuration(config.configuration(keys))
                                            .withStandardSources()
                                            .build());
            ReplaySummary s;
            String name = String.valueOf(trace.getFileName());
            List<ReplayListener> listeners = new ArrayList<>();
            ScenarioWriter scenario = null;
            JsonReport jsonReport = null;
            TextReport text = null;
            HtmlReport htmlReport = null;
            try {
                if (emitScenario != null) {
                    scenario = new ScenarioWriter(replay, name, emitScenario);
                    listeners.add(scenario);
                }
                if (html != null) {
                    htmlReport = new HtmlReport(name, options);
                    listeners.add(htmlReport);
                }
                if (json) {
                    jsonReport = new JsonReport(out);
                    listeners.add(jsonReport);
                } else {
                    text = new TextReport(out, summaryOnly);
                    text.begin(replay, name);
                    listeners.add(text);
                }
                s = replay.run(ReplayListener.all(listeners));
                if (jsonReport != null) {
                    jsonReport.finish(s);
                } else {
                    text.finish(s);
                }
                if (scenario != null) {
                    scenario.finish(s);
                }
                if (htmlReport != null && !writeHtml(htmlReport.render(s), err)) {
                    return ExitCodes.USAGE;
                }
            } finally {
                if (jsonReport != null) {
                    jsonReport.close();
                }
                if (scenario != null) {
                    scenario.close();
                }
            }
            out.flush();
            boolean memlockRefused =
                    s.firstFailure().isPresent() && s.refused() > 0 && refusedForMemlock(s);
            return memlockRefused || s.differing() > 0 ? ExitCodes.FAILED : ExitCodes.OK;
        } catch (ReplayInputException e) {
            err.println("vfio4j: cannot replay: " + e.getMessage());
            return ExitCodes.INVALID_SCENARIO;

        } catch (IOException e) {
            err.println("vfio4j: cannot write " + emitScenario + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }

    private boolean writeHtml(String page, PrintWriter err) {
        try {
            ReportFile.write(html, page);
            return true;
        } catch (IOException e) {
            err.println("vfio4j: cannot write " + html + ": " + e.getMessage());
            return false;
        }
    }

    /** Whether the model refused some call for RLIMIT_MEMLOCK: the limit is below the need. */
    private boolean refusedForMemlock(ReplaySummary s) {
        OptionalLong limit = options().memlockBytes();
        return limit.isPresent() && !capIpcLock && s.minMemlockBytes() > limit.getAsLong();
    }

    private ReplayOptions options() {
        CommandLine cl = spec.commandLine();
        IommuType type = parseIommu(cl);
        long page = size(cl, "--page-size", pageSize);
        OptionalLong limit =
                memlock.strip().equalsIgnoreCase("unlimited")
                        ? OptionalLong.empty()
                        : OptionalLong.of(size(cl, "--memlock", memlock));
        if (dmaEntryLimit != null && dmaEntryLimit < 0) {
            throw new CommandLine.ParameterException(cl, "--dma-entry-limit: must not be negative");
        }
        try {
            return new ReplayOptions(
                    type,
                    Optional.ofNullable(backend),
                    !mdevOnly,
                    limit,
                    capIpcLock,
                    dmaEntryLimit == null ? OptionalLong.empty() : OptionalLong.of(dmaEntryLimit),
                    page,
                    checkInvariants,
                    iovaBits);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    cl,
                    (iovaBits < 32 || iovaBits > 64 ? "--iova-bits: " : "--page-size: ")
                            + e.getMessage());
        }
    }

    private IommuType parseIommu(CommandLine cl) {
        String t = iommu.strip().toUpperCase(Locale.ROOT);
        for (IommuType type : IommuType.values()) {
            if (type.name().toUpperCase(Locale.ROOT).equals(t)
                    || String.valueOf(type.id()).equals(t)) {
                return type;
            }
        }
        throw new CommandLine.ParameterException(
                cl,
                "--iommu: '"
                        + iommu
                        + "' is not an IOMMU type: use TYPE1, TYPE1v2, SPAPR_TCE, SPAPR_TCE_v2, NOIOMMU or its number");
    }

    private static long size(CommandLine cl, String option, String text) {
        try {
            long v = Sizes.parse(text);
            if (v < 0) {
                throw new IllegalArgumentException("'" + text + "' is 2^63 or more");
            }
            return v;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, option + ": " + e.getMessage());
        }
    }
}
