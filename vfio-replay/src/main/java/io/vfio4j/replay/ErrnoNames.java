package io.vfio4j.replay;

import io.vfio4j.api.Errno;

/** Names of errno numbers for reports. */
final class ErrnoNames {
    private ErrnoNames() {}

    /** "0" for success, the symbolic name where vfio4j models the errno, else "errno N". */
    static String name(int errno) {
        if (errno == 0) {
            return "0";
        }
        if (errno == TraceEvent.UNKNOWN) {
            return "-";
        }
        if (errno == TraceEvent.FAILED) {
            return "failed";
        }
        for (Errno e : Errno.values()) {
            if (e.number() == errno) {
                return e.name();
            }
        }
        return "errno " + errno;
    }
}
