package io.vfio4j.replay;

/** Receives the replay as it streams: each call's answer and each line that is not replayed. */
public interface ReplayListener {
    /** A call was replayed. */
    default void call(CallResult result) {}

    /** A line was not replayed: cut mid-way, a continuation, an unknown event. */
    default void skipped(long line, String reason) {}

    /** A listener that keeps nothing. */
    ReplayListener NONE = new ReplayListener() {};
}
