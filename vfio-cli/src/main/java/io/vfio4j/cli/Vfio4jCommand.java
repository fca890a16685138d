package io.vfio4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.vfio4j.api.VfioConfigurationException;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vfio4j}: the top-level command; the work is done by its subcommands. */
@Command(
        name = "vfio4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "An executable model of the Linux VFIO IOMMU layer: containers, groups, IOMMU",
            "backends as plugins (type1, SPAPR TCE, ...) and mediated devices, on a simulated host.",
        },
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            BackendsCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j demo                     run the built-in scenarios with a trace",
            "  vfio4j run my-vm.yaml           run a scenario file (see docs/scenarios.md)",
            "  vfio4j run --json my-vm.yaml    the same, as JSON",
            "  vfio4j backends                 list the IOMMU backends found",
            "  vfio4j backends --json          the same, as JSON",
            "  vfio4j help backends            help for one subcommand",
        })
public final class Vfio4jCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-v", "--verbose"},
            description = "Log what the runtime does (repeat for more: -vv).",
            scope = CommandLine.ScopeType.INHERIT)
    void setVerbose(boolean[] verbose) {
        Level level =
                verbose.length >= 2 ? Level.DEBUG : verbose.length == 1 ? Level.INFO : Level.WARN;
        ((Logger) LoggerFactory.getLogger("io.vfio4j")).setLevel(level);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The command line with vfio4j's error handling: configuration errors print their message only.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Vfio4jCommand());
        cl.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    PrintWriter err = commandLine.getErr();
                    if (ex instanceof VfioConfigurationException) {
                        err.println("vfio4j: configuration error: " + ex.getMessage());
                        return ExitCodes.CONFIGURATION;
                    }
                    throw ex;
                });
        return cl;
    }
}
