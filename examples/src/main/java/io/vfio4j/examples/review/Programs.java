package io.vfio4j.examples.review;

import java.util.List;
import org.slf4j.Logger;

/** What every combination's {@code main} does with its traces. */
final class Programs {
    private Programs() {}

    /** Logs every trace; exits with status 1 if a data check failed. */
    static void report(Logger log, List<Trace> traces) {
        boolean ok = true;
        for (Trace t : traces) {
            t.log(log);
            ok &= t.checksPassed();
        }
        if (!ok) {
            log.error("some data checks failed");
            System.exit(1);
        }
    }
}
