package io.vfio4j.type1;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;

/**
 * dma_rw (docs/reference/type1-mdev.md §3.7): a CPU copy through an IOVA into the owner's user
 * memory, one mapping at a time, without pinning. A write marks the touched pages dirty.
 */
final class DmaReadWrite {
    private DmaReadWrite() {}

    static void run(Type1State st, long iova, byte[] buf, int offset, int length, boolean write) {
        if (st.vaddrInvalidCount > 0) {
            throw VfioException.of(
                    Errno.EBUSY,
                    "dma_rw at 0x%x refused: %d mapping(s) have an invalid vaddr",
                    iova,
                    st.vaddrInvalidCount);
        }
        long cur = iova;
        int done = 0;
        while (done < length) {
            DmaMapping d = st.dmas.containing(cur);
            if (d == null) {
                throw VfioException.of(Errno.EINVAL, "dma_rw: no mapping covers iova 0x%x", cur);
            }
            if ((write && (d.prot & DmaProt.WRITE) == 0) || (d.prot & DmaProt.READ) == 0) {
                throw VfioException.of(
                        Errno.EPERM,
                        "dma_rw %s at 0x%x: %s does not allow it",
                        write ? "write" : "read",
                        cur,
                        d.describe());
            }
            if (!d.owner.space().isAlive()) {
                throw VfioException.of(
                        Errno.EPERM,
                        "dma_rw at 0x%x: owner %s has no users left",
                        cur,
                        d.owner.describe());
            }
            long offsetInDma = cur - d.iova;
            long room = d.size - offsetInDma;
            int chunk = (int) Math.min(length - done, room);
            long vaddr = d.vaddr + offsetInDma;
            if (write) {
                d.owner.space().write(vaddr, buf, offset + done, chunk);
                if (d.dirty != null) {
                    long minpg = st.minPageSize();
                    d.setDirtyRange(offsetInDma / minpg, (offsetInDma + chunk - 1) / minpg + 1);
                }
            } else {
                d.owner.space().read(vaddr, buf, offset + done, chunk);
            }
            done += chunk;
            cur += chunk;
        }
    }
}
