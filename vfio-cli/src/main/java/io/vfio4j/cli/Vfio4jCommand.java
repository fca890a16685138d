package io.vfio4j.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.vfio4j.api.VfioConfigurationException;
import java.io.PrintWriter;
import java.util.List;
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
            "backends as plugins (type1, SPAPR TCE, ...) and mediated devices, on a simulated",
            "host.",
        },
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            ReplayCommand.class,
            BackendsCommand.class,
            PlanCommand.class,
            OracleCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j demo                     run the built-in scenarios with a trace",
            "  vfio4j run my-vm.yaml           run a scenario file (see docs/scenarios.md)",
            "  vfio4j run --json my-vm.yaml    the same, as JSON",
            "  vfio4j replay qemu.log          replay a QEMU vfio trace (see docs/replay.md)",
            "  vfio4j backends                 list the IOMMU backends found",
            "  vfio4j backends --json          the same, as JSON",
            "  vfio4j plan vm.xml              locked memory against libvirt's limit",
            "  vfio4j oracle my-vm.yaml        the same steps on real kernels in QEMU",
            "  vfio4j help backends            help for one subcommand",
            "",
            Vfio4jCommand.EXIT_CODES_0,
            Vfio4jCommand.EXIT_CODES_1,
            Vfio4jCommand.EXIT_CODES_2,
            Vfio4jCommand.EXIT_CODES_3,
            Vfio4jCommand.EXIT_CODES_4,
            Vfio4jCommand.EXIT_CODES_5,
        })
public final class Vfio4jCommand implements Runnable {
    static final String EXIT_CODES_0 = "Exit codes:";
    static final String EXIT_CODES_1 = "  0  success: every scenario passed";
    static final String EXIT_CODES_1_BACKENDS = "  0  the backends were listed";
    static final String EXIT_CODES_2 = "  1  a step failed or an expectation did not hold";
    static final String EXIT_CODES_3 = "  2  bad command line (unknown option, missing file name)";
    static final String EXIT_CODES_4 =
            "  3  configuration error: a setting, --config, -D, a backend or plugin refused";
    static final String EXIT_CODES_5 =
            "  4  a scenario file is unreadable, malformed or names values out of range";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-v", "--verbose"},
            description = "Log more, plugins included: -v info, -vv debug, -vvv trace.",
            scope = CommandLine.ScopeType.INHERIT)
    void setVerbose(boolean[] verbose) {
        Level level =
                switch (verbose.length) {
                    case 0 -> Level.WARN;
                    case 1 -> Level.INFO;
                    case 2 -> Level.DEBUG;
                    default -> Level.TRACE;
                };
        // Every logger: the root (which plugins' loggers inherit) and each configured one.
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (Logger l : context.getLoggerList()) {
            if (l.getLevel() != null || l.getName().equals(Logger.ROOT_LOGGER_NAME)) {
                l.setLevel(level);
            }
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The command line with vfio4j's error handling: configuration errors print their message only
     * (exit 3); any other error prints its message, never a stack trace (exit 1).
     */
    public static CommandLine commandLine() {
        Vfio4jCommand command = new Vfio4jCommand();
        // Picocli calls the -v setter only when -v is given: start every command line at the
        // default level (a second run in one JVM must not inherit the first one's -v).
        command.setVerbose(new boolean[0]);
        CommandLine cl = new CommandLine(command);
        cl.setHelpFactory(
                (commandSpec, colorScheme) ->
                        new CommandLine.Help(commandSpec, colorScheme) {
                            @Override
                            public CommandLine.Help.IParamLabelRenderer parameterLabelRenderer() {
                                return new SpaceSeparatedD(super.parameterLabelRenderer());
                            }
                        });
        cl.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    PrintWriter err = commandLine.getErr();
                    if (ex instanceof VfioConfigurationException) {
                        err.println("vfio4j: configuration error: " + ex.getMessage());
                        err.flush();
                        return ExitCodes.CONFIGURATION;
                    }
                    LoggerFactory.getLogger(Vfio4jCommand.class).debug("internal error", ex);
                    err.println("vfio4j: internal error: " + ex.getMessage());
                    err.flush();
                    return ExitCodes.FAILED;
                });
        return cl;
    }

    /**
     * Renders {@code -D KEY=VALUE} (as java and mvn spell it) instead of {@code -D=KEY=VALUE}, in
     * the synopsis and in the option list. Picocli asks for the separator right after rendering an
     * option's label, so the separator answered is the one of the option last rendered.
     */
    private static final class SpaceSeparatedD implements CommandLine.Help.IParamLabelRenderer {
        private final CommandLine.Help.IParamLabelRenderer delegate;
        private boolean lastWasD;

        SpaceSeparatedD(CommandLine.Help.IParamLabelRenderer delegate) {
            this.delegate = delegate;
        }

        @Override
        public CommandLine.Help.Ansi.Text renderParameterLabel(
                CommandLine.Model.ArgSpec arg,
                CommandLine.Help.Ansi ansi,
                List<CommandLine.Help.Ansi.IStyle> styles) {
            CommandLine.Help.Ansi.Text text = delegate.renderParameterLabel(arg, ansi, styles);
            lastWasD =
                    arg instanceof CommandLine.Model.OptionSpec o
                            && List.of(o.names()).equals(List.of("-D"));
            String sep = delegate.separator();
            if (lastWasD && text.plainString().startsWith(sep)) {
                return ansi.text(" " + text.plainString().substring(sep.length()));
            }
            return text;
        }

        @Override
        public String separator() {
            return lastWasD ? " " : delegate.separator();
        }
    }
}
