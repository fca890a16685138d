package io.vfio4j.replay;

/** Receives the replay as it streams: each call's answer and each line that is not replayed. */
public interface ReplayListener {
    /** A call was replayed. */
    default void call(CallResult result) {}

    /**
     * A group joined the container before the call of {@code line} (the first one also set the
     * IOMMU). {@code group} is the trace's group number; in an mdev-only container it names the
     * mdev.
     */
    default void attached(long line, int group) {}

    /** A line was not replayed: cut mid-way, a continuation, an unknown event. */
    default void skipped(long line, String reason) {}

    /** A listener that keeps nothing. */
    ReplayListener NONE = new ReplayListener() {};

    /** Hands every event to each of {@code listeners}, in order. */
    static ReplayListener all(java.util.List<ReplayListener> listeners) {
        java.util.List<ReplayListener> copy = java.util.List.copyOf(listeners);
        return new ReplayListener() {
            @Override
            public void call(CallResult result) {
                copy.forEach(l -> l.call(result));
            }

            @Override
            public void attached(long line, int group) {
                copy.forEach(l -> l.attached(line, group));
            }

            @Override
            public void skipped(long line, String reason) {
                copy.forEach(l -> l.skipped(line, reason));
            }
        };
    }
}
