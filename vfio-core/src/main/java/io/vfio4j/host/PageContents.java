package io.vfio4j.host;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Sparse frame contents: only frames ever written own a buffer; the rest read as zeros. Contents
 * are not a hot path (pins are), so a boxed key per written frame is acceptable. Not thread-safe.
 */
final class PageContents {
    private final int pageShift;
    private final Map<Long, byte[]> frames = new HashMap<>();

    PageContents(int pageShift) {
        this.pageShift = pageShift;
    }

    void read(long physAddr, byte[] dst, int offset, int length) {
        long addr = physAddr;
        int done = 0;
        while (done < length) {
            int inPage = (int) (addr & pageMask());
            int n = Math.min(length - done, pageSize() - inPage);
            byte[] frame = frames.get(addr >>> pageShift);
            if (frame == null) {
                Arrays.fill(dst, offset + done, offset + done + n, (byte) 0);
            } else {
                System.arraycopy(frame, inPage, dst, offset + done, n);
            }
            done += n;
            addr += n;
        }
    }

    void write(long physAddr, byte[] src, int offset, int length) {
        long addr = physAddr;
        int done = 0;
        while (done < length) {
            int inPage = (int) (addr & pageMask());
            int n = Math.min(length - done, pageSize() - inPage);
            byte[] frame = frames.computeIfAbsent(addr >>> pageShift, k -> new byte[pageSize()]);
            System.arraycopy(src, offset + done, frame, inPage, n);
            done += n;
            addr += n;
        }
    }

    /** Frames that own a buffer. */
    int materializedFrames() {
        return frames.size();
    }

    private int pageSize() {
        return 1 << pageShift;
    }

    private long pageMask() {
        return (1L << pageShift) - 1;
    }
}
