package io.vfio4j.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * Keeps a plugin's {@code System.exit} from passing for the command's own verdict. Java 17 offers
 * no supported way to intercept {@code System.exit} (the security manager is deprecated for removal
 * and refused by later JDKs), so the command installs a shutdown hook instead: if the JVM shuts
 * down while the command has not finished, and some thread is inside {@code System.exit} or {@code
 * Runtime.exit}, the hook names the caller (its plugin loader and method), says the run did not
 * complete, and halts with {@link ExitCodes#CONFIGURATION}, the code for a misbehaving backend. A
 * shutdown for any other reason (a signal) is left alone.
 */
final class PluginExitGuard {
    private PluginExitGuard() {}

    /** Runs the command; returns its exit code. */
    static int run(IntSupplier command) {
        AtomicBoolean finished = new AtomicBoolean();
        PrintStream err = System.err;
        Thread hook =
                new Thread(
                        () -> {
                            if (finished.get()) {
                                return;
                            }
                            Optional<String> caller = exitCaller();
                            if (caller.isPresent()) {
                                err.println(
                                        "vfio4j: configuration error: "
                                                + caller.get()
                                                + " called System.exit while the command was"
                                                + " running; the run did not complete and its"
                                                + " results are void. Remove or fix that"
                                                + " IOMMU backend plugin.");
                                err.flush();
                                Runtime.getRuntime().halt(ExitCodes.CONFIGURATION);
                            }
                        },
                        "vfio4j-exit-guard");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return command.getAsInt();
        } finally {
            finished.set(true);
        }
    }

    /**
     * The code that called {@code System.exit}/{@code Runtime.exit}, found on the stacks of the
     * live threads (the caller waits in {@code exit} while the hooks run): "plugin plugins/evil.jar
     * (com.example.Evil.open)".
     */
    static Optional<String> exitCaller() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            StackTraceElement[] stack = e.getValue();
            for (int i = 0; i + 1 < stack.length; i++) {
                if (isExit(stack[i]) && !isExit(stack[i + 1])) {
                    StackTraceElement f = stack[i + 1];
                    String loader = f.getClassLoaderName();
                    String where = f.getClassName() + "." + f.getMethodName();
                    return Optional.of(
                            loader != null && loader.startsWith("plugin ")
                                    ? loader + " (" + where + ")"
                                    : where);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isExit(StackTraceElement f) {
        return f.getMethodName().equals("exit")
                && (f.getClassName().equals("java.lang.System")
                        || f.getClassName().equals("java.lang.Runtime")
                        || f.getClassName().equals("java.lang.Shutdown"));
    }
}
