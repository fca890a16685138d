package io.vfio4j.cli;

/** The command's exit codes. */
public final class ExitCodes {
    public static final int OK = 0;

    /** A scenario expectation failed or a step failed unexpectedly. */
    public static final int FAILED = 1;

    /** Bad command-line usage (picocli's own code). */
    public static final int USAGE = 2;

    /** Invalid configuration or an invalid backend. */
    public static final int CONFIGURATION = 3;

    /** A scenario file is malformed or cannot be read; nothing ran. */
    public static final int INVALID_SCENARIO = 4;

    private ExitCodes() {}
}
