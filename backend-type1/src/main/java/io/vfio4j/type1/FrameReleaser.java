package io.vfio4j.type1;

/**
 * Collects frames whose last pin reference went, and unpins them from the host in as few calls as
 * possible: a physically contiguous run grows frame by frame, and a finished run joins the pending
 * range when it sits right below or above it (consecutive virtual runs are often physically
 * adjacent in reverse order).
 */
final class FrameReleaser {
    private final Type1State st;

    private long runStart;
    private long runPages;
    private long start;
    private long pages;
    private boolean dirty;

    FrameReleaser(Type1State st) {
        this.st = st;
    }

    void add(long pfn, boolean isDirty) {
        if (runPages > 0 && pfn == runStart + runPages && isDirty == dirty) {
            runPages++;
            return;
        }
        foldRun();
        if (isDirty != dirty) {
            unpinPending();
            dirty = isDirty;
        }
        runStart = pfn;
        runPages = 1;
    }

    private void foldRun() {
        if (runPages == 0) {
            return;
        }
        if (pages > 0 && runStart + runPages == start) {
            start = runStart;
            pages += runPages;
        } else if (pages > 0 && start + pages == runStart) {
            pages += runPages;
        } else {
            unpinPending();
            start = runStart;
            pages = runPages;
        }
        runPages = 0;
    }

    private void unpinPending() {
        if (pages > 0) {
            st.unpinFrames(start, pages, dirty);
            pages = 0;
        }
    }

    void flush() {
        foldRun();
        unpinPending();
    }
}
