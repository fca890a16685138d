package io.vfio4j.replay;

import io.vfio4j.replay.TraceEvent.CancelMap;
import io.vfio4j.replay.TraceEvent.GroupAttach;
import io.vfio4j.replay.TraceEvent.MapCall;
import io.vfio4j.replay.TraceEvent.Source;
import io.vfio4j.replay.TraceEvent.UnmapCall;
import java.util.function.Consumer;

/**
 * Turns trace events into calls. QEMU prints the listener line before the ioctl and any result
 * after it ({@code vfio_dma_map(...) = -12}, an iommufd event, a vfio-user server's rejection), so
 * the last listener call is held until the next event shows whether that event is its result (same
 * operation and range: one call with a recorded result), a cancel ({@code
 * vfio_listener_region_add_no_dma_map}) or something else (the held call stands alone).
 */
final class CallMerger {
    private final Consumer<TraceEvent> out;
    private TraceEvent pending;

    /**
     * @param out receives calls, group attaches and skipped lines, in trace order
     */
    CallMerger(Consumer<TraceEvent> out) {
        this.out = out;
    }

    void accept(TraceEvent e) {
        if (e instanceof MapCall m) {
            if (pending instanceof MapCall p && isResultOf(m, p)) {
                pending = null;
                out.accept(
                        new MapCall(
                                p.line(),
                                p.iova(),
                                p.size(),
                                p.vaddr() != -1 ? p.vaddr() : m.vaddr(),
                                p.readOnly() || m.readOnly(),
                                p.source(),
                                m.recordedErrno()));
            } else {
                hold(m);
            }
        } else if (e instanceof UnmapCall u) {
            if (pending instanceof UnmapCall p && isResultOf(u, p)) {
                pending = null;
                out.accept(
                        new UnmapCall(
                                p.line(),
                                p.iova(),
                                p.size(),
                                p.wholeSpace(),
                                u.source() == Source.IOMMUFD ? Source.IOMMUFD : p.source(),
                                u.recordedErrno()));
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
        if (recorded(call)) {
            out.accept(call); // a result with no call before it: a call of its own, nothing to wait
            // for
        } else {
            pending = call;
        }
    }

    private static boolean recorded(TraceEvent call) {
        return call instanceof MapCall m
                ? m.recordedErrno() != TraceEvent.UNKNOWN
                : ((UnmapCall) call).recordedErrno() != TraceEvent.UNKNOWN;
    }

    private static boolean isResultOf(MapCall m, MapCall p) {
        return m.recordedErrno() != TraceEvent.UNKNOWN
                && p.recordedErrno() == TraceEvent.UNKNOWN
                && m.iova() == p.iova()
                && m.size() == p.size();
    }

    private static boolean isResultOf(UnmapCall u, UnmapCall p) {
        return u.recordedErrno() != TraceEvent.UNKNOWN
                && p.recordedErrno() == TraceEvent.UNKNOWN
                && u.iova() == p.iova()
                && (u.size() == p.size() || (u.wholeSpace() && p.wholeSpace()));
    }
}
