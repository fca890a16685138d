package io.vfio4j.cli;

/** The command's exit codes. */
final class ExitCodes {
    static final int OK = 0;
    /** A scenario expectation failed or a step failed unexpectedly. */
    static final int FAILED = 1;
    /** Bad command-line usage (picocli's own code). */
    static final int USAGE = 2;
    /** Invalid configuration or an invalid backend. */
    static final int CONFIGURATION = 3;

    private ExitCodes() {}
}
