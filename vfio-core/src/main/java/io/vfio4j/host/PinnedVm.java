package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code mm->pinned_vm} of an address space: long-term pins accounted apart from {@code locked_vm},
 * as vhost-vdpa does, and checked against the same RLIMIT_MEMLOCK.
 */
public final class PinnedVm {
    private final SimAddressSpace space;
    private final AtomicLong pages = new AtomicLong();

    PinnedVm(SimAddressSpace space) {
        this.space = space;
    }

    /** The counter, in pages. */
    public long pages() {
        return pages.get();
    }

    /**
     * Adds {@code n} pages as vhost-vdpa does for an IOTLB update: ENOMEM when the sum would pass
     * {@code limitPages}, and the counter is left as it was. CAP_IPC_LOCK is not consulted there
     * [drivers/vhost/vdpa.c {@code vhost_vdpa_pa_map}; {@code vhost_vdpa_process_iotlb_update} in
     * 5.7].
     */
    public void charge(long n, long limitPages) {
        requireNonNegative(n);
        long now = pages.addAndGet(n);
        if (Long.compareUnsigned(now, limitPages) > 0) {
            pages.addAndGet(-n);
            throw VfioException.of(
                    Errno.ENOMEM,
                    "pinned_vm of address space %d would reach %d pages, over the limit of %s",
                    space.id(),
                    now,
                    Long.toUnsignedString(limitPages));
        }
    }

    /** Takes {@code n} pages off (vhost-vdpa's IOTLB unmap); more than charged is refused. */
    public void uncharge(long n) {
        requireNonNegative(n);
        if (pages.addAndGet(-n) < 0) {
            pages.addAndGet(n);
            throw new IllegalArgumentException(
                    "pinned_vm uncharge of " + n + " pages, more than charged");
        }
    }

    private static void requireNonNegative(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("pinned_vm change of a negative page count: " + n);
        }
    }

    @Override
    public String toString() {
        return "pinned_vm " + pages.get() + " pages";
    }
}
