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
    /** An ISO-8601 timestamp, then whatever the version prints (program, thread, guest name). */
    ISO8601,
    /** Anything else in front of the event (a debug print's own text). */
    OTHER;

    // Month and day, time, host, program with an optional [pid], then a colon. The month is any
    // word: journald prints it in the host's locale.
    private static final Pattern SYSLOG_PREFIX =
            Pattern.compile("\\S+\\s+\\d{1,2}\\s+\\d\\d:\\d\\d:\\d\\d\\s+\\S+\\s+[^\\s:]+:\\s*");
    // A timestamp first; what follows differs by version: "-msg timestamp=on" error prints
    // ("TIME PROGNAME: "), and the shared error_report/qemu_log prefix of 2025-26
    // ("TIME [GUEST ]PROGNAME(THREAD): ").
    private static final Pattern ISO =
            Pattern.compile(
                    "\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?"
                            + "(Z|[+-]\\d\\d:?\\d\\d)?(\\s.*)?");

    /** {@code \d+@\d+\.\d+:} without a regex: most lines of a long trace have it. */
    private static boolean isPidTime(String p) {
        int i = digits(p, 0);
        if (i == 0 || i >= p.length() || p.charAt(i) != '@') {
            return false;
        }
        int j = digits(p, i + 1);
        if (j == i + 1 || j >= p.length() || p.charAt(j) != '.') {
            return false;
        }
        int k = digits(p, j + 1);
        return k > j + 1 && k == p.length() - 1 && p.charAt(k) == ':';
    }

    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /** The format of the text in front of an event. */
    public static LineFormat of(String prefix) {
        String p = prefix.strip();
        if (p.isEmpty()) {
            return NONE;
        }
        if (isPidTime(p)) {
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
