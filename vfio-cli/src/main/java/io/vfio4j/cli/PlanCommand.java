package io.vfio4j.cli;

import io.vfio4j.plan.DomainSpec;
import io.vfio4j.plan.DomainXmlParser;
import io.vfio4j.plan.LibvirtEra;
import io.vfio4j.plan.LifecycleSteps;
import io.vfio4j.plan.PlanHtml;
import io.vfio4j.plan.PlanInputException;
import io.vfio4j.plan.PlanJson;
import io.vfio4j.plan.PlanResult;
import io.vfio4j.plan.PlanText;
import io.vfio4j.plan.Planner;
import io.vfio4j.plan.Sizes;
import io.vfio4j.plan.Verdict;
import io.vfio4j.report.ReportFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vfio4j plan DOMAIN.xml}: the locked memory a libvirt domain reaches, against libvirt's
 * limit.
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Compare the locked memory of a libvirt domain with libvirt's limit.",
            "The containers QEMU builds for the domain are simulated with the real",
            "backends on a simulated host; the verdict is OK, TOO_LOW, NOT_NEEDED or",
            "NOT_MODELLED.",
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j plan vm.xml                   need, libvirt's limit, verdict",
            "  vfio4j plan --json vm.xml            the same as JSON (docs/plan.md)",
            "  vfio4j plan --html plan.html vm.xml  also a page charting need and limit",
            "  vfio4j plan --then hotplug:gpu2.xml vm.xml    then hot plug a device",
            "  vfio4j plan --then memory-plug:4GiB --then unplug:dimm0 vm.xml",
            "  vfio4j plan --libvirt-era 7.0 vm.xml  libvirt's rules before 8.7",
            "  vfio4j plan --mdev-working-set 512MiB vgpu.xml",
            "",
            "Steps (--then, applied in order): hotplug:FILE (a <hostdev>, <interface> or",
            "<disk>), memory-plug:SIZE (a DIMM), unplug:ALIAS. libvirt's eras: "
                    + "2013, 2015, 2017, 6.0, 7.0, current.",
            "",
            Vfio4jCommand.EXIT_CODES_0,
            PlanCommand.EXIT_OK,
            PlanCommand.EXIT_TOO_LOW,
            Vfio4jCommand.EXIT_CODES_3,
            PlanCommand.EXIT_BAD_FILE,
        })
final class PlanCommand implements Callable<Integer> {
    static final String EXIT_OK = "  0  planned: OK, NOT_NEEDED or NOT_MODELLED";
    static final String EXIT_TOO_LOW = "  1  TOO_LOW: a step needs more than libvirt's limit";
    static final String EXIT_BAD_FILE =
            "  4  the domain XML or a hotplug file is unreadable or malformed";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DOMAIN.xml", description = "A libvirt domain XML.")
    Path domain;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write an HTML report.")
    Path html;

    @Option(
            names = "--then",
            paramLabel = "STEP",
            description = "A lifecycle step after the start (repeatable).")
    List<String> then = new ArrayList<>();

    @Option(
            names = "--libvirt-era",
            paramLabel = "ERA",
            defaultValue = "current",
            description = "Which libvirt rules compute the limit (default: ${DEFAULT-VALUE}).")
    String era;

    @Option(
            names = "--mdev-working-set",
            paramLabel = "SIZE",
            defaultValue = "0",
            description = "Guest memory each mdev pins (default: ${DEFAULT-VALUE}).")
    String workingSet;

    @Option(
            names = "--inherited-memlock",
            paramLabel = "SIZE",
            defaultValue = "8MiB",
            description =
                    "The limit QEMU keeps when libvirt sets none (default: ${DEFAULT-VALUE}).")
    String inherited;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Planner.Options options;
        try {
            LibvirtEra e =
                    LibvirtEra.ofLabel(era)
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "--libvirt-era: unknown era '"
                                                            + era
                                                            + "' (one of "
                                                            + String.join(", ", LibvirtEra.labels())
                                                            + ")"));
            options =
                    new Planner.Options(
                            e,
                            Sizes.parseBytes(workingSet),
                            Sizes.parseBytes(inherited),
                            LifecycleSteps.parse(then));
        } catch (IllegalArgumentException e) {
            err.println("vfio4j plan: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        PlanResult r;
        try {
            DomainSpec d = DomainXmlParser.parse(domain);
            r = Planner.plan(d, options);
        } catch (PlanInputException e) {
            err.println("vfio4j plan: " + e.getMessage());
            return ExitCodes.INVALID_SCENARIO;
        } catch (IllegalArgumentException e) {
            err.println("vfio4j plan: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? PlanJson.render(r) + "\n" : PlanText.render(r));
        out.flush();
        if (html != null) {
            try {
                ReportFile.write(html, PlanHtml.render(r));
            } catch (IOException e) {
                err.println("vfio4j plan: cannot write " + html + ": " + e.getMessage());
                // As run --html: a bad output path is a command-line error unless the plan failed.
                return r.verdict() == Verdict.TOO_LOW ? ExitCodes.FAILED : ExitCodes.USAGE;
            }
        }
        return r.verdict() == Verdict.TOO_LOW ? ExitCodes.FAILED : ExitCodes.OK;
    }
}
