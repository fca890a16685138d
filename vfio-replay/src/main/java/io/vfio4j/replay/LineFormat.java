package io.vfio4j.replay;

import java.util.regex.Pattern;

/** What stands in front of an event on a trace line; lines of one file may mix them. */
public enum LineFormat {
    /** Nothing: the log backend without timestamps, or a copy that cut the prefix off. */
    NONE,
    /** {@code PID@SEC.USEC:}, QEMU's log backend with timestamps. */
    PID_TIMESTAMP,
    /** {@code Mon DD HH:MM:SS host program[PID]:}, syslog or journald; any month names. */
    SYSLOG,
    /** An ISO-8601 timestamp, optionally {@code (PID)} and a program name. */
    ISO8601,
    /** Anything else in front of the event (a debug print's own text). */
    OTHER;

    private static final Pattern PID_TIME = Pattern.compile("\\d+@\\d+\\.\\d+:");
    // Month and day, time, host, program with an optional [pid], then a colon. The month is any
    // word: journald prints it in the host's locale.
    private static final Pattern SYSLOG_PREFIX =
            Pattern.compile("\\S+\\s+\\d{1,2}\\s+\\d\\d:\\d\\d:\\d\\d\\s+\\S+\\s+[^\\s:]+:\\s*");
    private static final Pattern ISO =
            Pattern.compile(
                    "\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?"
                            + "(Z|[+-]\\d\\d:?\\d\\d)?\\s*(\\(\\d+\\)\\s*)?([^\\s:]+:\\s*)?(\\S+:\\s*)?");

    /** The format of the text in front of an event. */
    public static LineFormat of(String prefix) {
        String p = prefix.strip();
        if (p.isEmpty()) {
            return NONE;
        }
        if (PID_TIME.matcher(p).matches()) {
            return PID_TIMESTAMP;
        }
        if (ISO.matcher(prefix.stripLeading()).matches()) {
            return ISO8601;
        }
        if (SYSLOG_PREFIX.matcher(prefix.stripLeading()).matches()) {
            return SYSLOG;
        }
        return OTHER;
    }
}
