package io.vfio4j.replay;

/**
 * A trace or memory file that cannot be used: unreadable, or (for a memory file) malformed. The
 * message names the file and, where there is one, the line and column.
 */
public final class ReplayInputException extends Exception {
    private static final long serialVersionUID = 1L;

    public ReplayInputException(String message) {
        super(message);
    }

    public ReplayInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code file:line:column: message}. */
    static ReplayInputException at(String file, long line, int column, String message) {
        return new ReplayInputException(file + ":" + line + ":" + column + ": " + message);
    }
}
