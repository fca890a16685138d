package io.vfio4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the command line in-process and captures what it prints. */
final class CliRunner {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    int exitCode;

    static CliRunner run(String... args) {
        CliRunner r = new CliRunner();
        CommandLine cl = Vfio4jCommand.commandLine();
        cl.setOut(new PrintWriter(r.out, true));
        cl.setErr(new PrintWriter(r.err, true));
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        r.exitCode = cl.execute(args);
        return r;
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }
}
