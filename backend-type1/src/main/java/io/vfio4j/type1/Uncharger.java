package io.vfio4j.type1;

/** Collects un-charges per mapping so accounting moves once per mapping per call. */
final class Uncharger {
    private final Type1State st;

    private boolean doAccounting;
    private DmaMapping current;
    private long pending;

    Uncharger(Type1State st, boolean doAccounting) {
        this.st = st;
        begin(doAccounting);
    }

    /** Starts over (the instance is reused call after call). */
    void begin(boolean accounting) {
        doAccounting = accounting;
        current = null;
        pending = 0;
    }

    void add(DmaMapping d, long unpinned) {
        if (d != current) {
            flush();
            current = d;
        }
        pending += unpinned;
    }

    void flush() {
        if (current != null && doAccounting) {
            st.uncharge(current, pending);
        }
        current = null;
        pending = 0;
    }
}
