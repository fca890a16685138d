package io.vfio4j.replay;

import io.vfio4j.replay.TraceEvent.CancelMap;
import io.vfio4j.replay.TraceEvent.GroupAttach;
import io.vfio4j.replay.TraceEvent.MapCall;
import io.vfio4j.replay.TraceEvent.Source;
import io.vfio4j.replay.TraceEvent.UnmapCall;
import java.util.function.Consumer;

/**
 * Turns trace events into calls. QEMU prints the listener line before the ioctl and its results
 * after it: the iommufd backend's event (with ioctl()'s 0 or -1), then {@code
 * vfio_container_dma_map(...) = -22} (legacy: {@code vfio_dma_map(...) = -12}); a vfio-user server
 * logs its rejection after its {@code adding DMA region}. So the last call is held until the next
 * call shows whether it is a result of the held one (same operation and range), a cancel ({@code
 * vfio_listener_region_add_no_dma_map}) or something else (the held call stands alone). A held call
 * takes a result if it has none yet, or if its result came from the iommufd event (the error print
 * after it repeats it, with the errno the event does not print); a second error print of a range
 * already answered is a call of its own (QEMU retried).
 */
final class CallMerger {
    private final Consumer<TraceEvent> out;
    private TraceEvent pending;
    private boolean pendingHasFdResult;

    /**
     * @param out receives calls, group attaches and skipped lines, in trace order
     */
    CallMerger(Consumer<TraceEvent> out) {
        this.out = out;
    }

    void accept(TraceEvent e) {
        if (e instanceof MapCall m) {
            if (pending instanceof MapCall p && sameRange(p, m) && takesResult(recorded(p), m)) {
                pendingHasFdResult |= m.source() == Source.IOMMUFD;
                pending =
                        new MapCall(
                                p.line(),
                                p.iova(),
                                p.size(),
                                p.vaddr() != -1 ? p.vaddr() : m.vaddr(),
                                p.readOnly() || m.readOnly(),
                                p.source(),
                                refine(p.recordedErrno(), m.recordedErrno()));
            } else {
                hold(m);
            }
        } else if (e instanceof UnmapCall u) {
            if (pending instanceof UnmapCall p && sameRange(p, u) && takesResult(recorded(p), u)) {
                pendingHasFdResult |= u.source() == Source.IOMMUFD;
                pending =
                        new UnmapCall(
                                p.line(),
                                p.iova(),
                                p.size(),
                                p.wholeSpace(),
                                u.source() == Source.IOMMUFD ? Source.IOMMUFD : p.source(),
                                refine(p.recordedErrno(), u.recordedErrno()));
            } else {
                hold(u);
            }
        } else if (e instanceof CancelMap) {
            if (pending instanceof MapCall) {
                pending = null;
            }
            out.accept(e);
        } else if (e instanceof GroupAttach) {
            flush();
            out.accept(e);
        } else {
            out.accept(e);
        }
    }

    /** Hands on the held call, if any. */
    void flush() {
        if (pending != null) {
            TraceEvent p = pending;
            pending = null;
            out.accept(p);
        }
    }

    private void hold(TraceEvent call) {
        flush();
        pending = call;
        pendingHasFdResult = source(call) == Source.IOMMUFD;
    }

    /**
     * Whether {@code result} is a result of the held call, whose recorded result is {@code held}.
     */
    private boolean takesResult(int held, TraceEvent result) {
        int r = recorded(result);
        if (r == TraceEvent.UNKNOWN) {
            return false; // a call, not a result
        }
        return held == TraceEvent.UNKNOWN
                || (pendingHasFdResult && source(result) == Source.ERROR_PRINT);
    }

    /** A result that names the errno wins over one that only says the call failed. */
    private static int refine(int held, int result) {
        return result == TraceEvent.FAILED && held != TraceEvent.UNKNOWN ? held : result;
    }

    private static int recorded(TraceEvent call) {
        return call instanceof MapCall m ? m.recordedErrno() : ((UnmapCall) call).recordedErrno();
    }

    private static Source source(TraceEvent call) {
        return call instanceof MapCall m ? m.source() : ((UnmapCall) call).source();
    }

    private static boolean sameRange(MapCall a, MapCall b) {
        return a.iova() == b.iova() && a.size() == b.size();
    }

    private static boolean sameRange(UnmapCall a, UnmapCall b) {
        return a.iova() == b.iova() && (a.size() == b.size() || (a.wholeSpace() && b.wholeSpace()));
    }
}
