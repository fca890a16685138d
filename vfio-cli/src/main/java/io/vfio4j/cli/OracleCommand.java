package io.vfio4j.cli;

import io.vfio4j.cli.scenario.OracleTranslation;
import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioParser;
import io.vfio4j.cli.scenario.ScenarioSyntaxException;
import io.vfio4j.oracle.HtmlReport;
import io.vfio4j.oracle.JsonReport;
import io.vfio4j.oracle.KernelOracle;
import io.vfio4j.oracle.KnownDifferences;
import io.vfio4j.oracle.Oracle;
import io.vfio4j.oracle.OracleException;
import io.vfio4j.oracle.OracleInputException;
import io.vfio4j.oracle.OracleKernel;
import io.vfio4j.oracle.OraclePlan;
import io.vfio4j.oracle.OracleReport;
import io.vfio4j.oracle.OracleSettings;
import io.vfio4j.oracle.OracleSuite;
import io.vfio4j.oracle.ProbeProgram;
import io.vfio4j.oracle.ProbeScenario;
import io.vfio4j.oracle.TextReport;
import io.vfio4j.report.ReportFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vfio4j oracle FILE...}: the scenario's container steps on real kernels and the model. */
@Command(
        name = "oracle",
        mixinStandardHelpOptions = true,
        description = {
            "Check scenario steps against real kernels booted in QEMU.",
            "The steps run on Debian's kernels 6.1, 6.12 and 7.2, booted in QEMU with an",
            "emulated Intel IOMMU, and on the model at each kernel's era; every difference",
            "is shown: errno, unmapped size, locked_vm, GET_INFO, the test vendor driver's",
            "pins and callbacks (mdev steps). Steps no real host here can perform (SPAPR,",
            "device DMA, a second process) are listed as not checked. Needs",
            "qemu-system-x86, busybox-static, cpio, gcc, kmod, zstd and Debian's archive",
            "(the kernels are cached under ~/.cache/vfio4j-oracle).",
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j oracle my-vm.yaml                   every kernel",
            "  vfio4j oracle --kernel 6.12 my-vm.yaml     one kernel",
            "  vfio4j oracle --suite                      the fixed suite CI runs",
            "  vfio4j oracle --json --suite > oracle.json",
            "  vfio4j oracle --html oracle.html my-vm.yaml",
            "",
            "How it works, and the differences found: docs/oracle.md.",
            "",
            "Exit codes:",
            "  0  every checked step agrees, or differs only as listed (docs/oracle.md)",
            "  1  an unexplained difference, or a kernel gave no answer",
            "  2  bad command line",
            "  3  the oracle cannot run: a host tool is missing, a kernel cannot be fetched",
            "  4  a file is unreadable or malformed",
        })
final class OracleCommand implements Callable<Integer> {
    /** The most RAM a guest is given (QEMU allocates it as the guest touches it). */
    static final int MAX_MEMORY_MIB = 16384;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(
            arity = "0..*",
            paramLabel = "FILE",
            description = "Scenario files (YAML), or operation lists (.ops, docs/oracle.md).")
    List<Path> files = new ArrayList<>();

    @Option(
            names = "--kernel",
            paramLabel = "KERNEL",
            defaultValue = "all",
            description = "6.1, 6.12, 7.2 or all (default), or a comma-separated list.")
    String kernel;

    @Option(names = "--suite", description = "Add the fixed oracle suite (what CI runs).")
    boolean suite;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(
            names = "--html",
            paramLabel = "FILE",
            description = "Also write the report as a self-contained HTML page.")
    Path html;

    @Option(names = "--differences", description = "List only the steps that do not agree.")
    boolean differences;

    @Option(
            names = "--memory",
            paramLabel = "MIB",
            defaultValue = "256",
            description =
                    "The guest's RAM in MiB (default 256): regions up to it less 128 MiB are"
                            + " pinned for real (4864 for the 4 GiB review scenarios).")
    int memoryMib;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        List<OracleKernel> kernels;
        try {
            kernels = OracleKernel.parse(kernel);
        } catch (IllegalArgumentException e) {
            err.println("vfio4j: --kernel: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (memoryMib < OracleTranslation.DEFAULT_MEMORY_MIB || memoryMib > MAX_MEMORY_MIB) {
            err.println("vfio4j: --memory: 256 to " + MAX_MEMORY_MIB + " MiB, not " + memoryMib);
            return ExitCodes.USAGE;
        }
        if (files.isEmpty() && !suite) {
            err.println("vfio4j: name a scenario file or --suite");
            return ExitCodes.USAGE;
        }
        OraclePlan plan;
        try {
            plan = plan();
        } catch (ScenarioSyntaxException e) {
            err.println("vfio4j: invalid scenario: " + e.getMessage());
            return ExitCodes.INVALID_SCENARIO;
        } catch (OracleInputException e) {
            err.println("vfio4j: invalid operation list: " + e.getMessage());
            return ExitCodes.INVALID_SCENARIO;
        } catch (IOException e) {
            err.println("vfio4j: cannot read " + e.getMessage());
            return ExitCodes.INVALID_SCENARIO;
        }
        OracleReport report;
        try {
            KernelOracle oracle =
                    KernelOracle.create(
                            OracleSettings.fromSystemProperties().withGuestMemory(memoryMib));
            report = new Oracle(oracle, KnownDifferences.all()).check(title(), plan, kernels);
        } catch (OracleException e) {
            err.println("vfio4j: the oracle cannot run: " + e.getMessage());
            return ExitCodes.CONFIGURATION;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? JsonReport.render(report) + "\n" : TextReport.render(report, differences));
        out.flush();
        if (html != null) {
            try {
                ReportFile.write(html, HtmlReport.render(report));
            } catch (IOException e) {
                err.println("vfio4j: cannot write " + html + ": " + e.getMessage());
                return ExitCodes.CONFIGURATION;
            }
        }
        return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private String title() {
        List<String> names =
                new ArrayList<>(files.stream().map(p -> p.getFileName().toString()).toList());
        if (suite) {
            names.add(0, "the oracle suite");
        }
        return "vfio4j oracle: " + String.join(", ", names);
    }

    private OraclePlan plan() throws IOException {
        List<Scenario> scenarios = new ArrayList<>();
        List<ProbeScenario> lists = new ArrayList<>();
        if (suite) {
            lists.addAll(OracleSuite.program().scenarios());
        }
        ScenarioParser parser = new ScenarioParser();
        for (Path f : files) {
            if (f.toString().endsWith(".ops")) {
                String text;
                try {
                    text = Files.readString(f);
                } catch (IOException e) {
                    throw new IOException(f + ": " + e.getMessage(), e);
                }
                lists.addAll(ProbeProgram.parse(f.toString(), text).scenarios());
            } else {
                try {
                    scenarios.add(parser.parse(f));
                } catch (IOException e) {
                    throw new IOException(f + ": " + e.getMessage(), e);
                }
            }
        }
        OraclePlan fromScenarios = OracleTranslation.plan(scenarios, memoryMib);
        List<ProbeScenario> all = new ArrayList<>(lists);
        all.addAll(fromScenarios.program().scenarios());
        Map<String, String> labels = new LinkedHashMap<>(fromScenarios.labels());
        try {
            return new OraclePlan(new ProbeProgram(all), labels, fromScenarios.unchecked());
        } catch (IllegalArgumentException e) {
            throw new OracleInputException(
                    e.getMessage() + " (scenario names must differ across files)");
        }
    }
}
