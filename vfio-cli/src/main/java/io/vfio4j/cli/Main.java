package io.vfio4j.cli;

/** The {@code vfio4j} command's entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(PluginExitGuard.run(() -> run(args)));
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        return Vfio4jCommand.commandLine().execute(args);
    }
}
