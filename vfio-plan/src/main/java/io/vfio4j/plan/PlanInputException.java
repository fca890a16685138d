package io.vfio4j.plan;

/**
 * A domain XML (or a lifecycle input) the planner cannot use, with the place it was found: {@code
 * file:line:column: message}. Line and column are 0 when the place is the whole file.
 */
public final class PlanInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final int column;
    private final String reason;

    public PlanInputException(String file, int line, int column, String reason) {
        super(file + ":" + line + ":" + column + ": " + reason);
        this.file = file;
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    /** At an element of a parsed file. */
    static PlanInputException at(XmlElement element, String reason) {
        return new PlanInputException(element.file(), element.line(), element.column(), reason);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public String reason() {
        return reason;
    }
}
