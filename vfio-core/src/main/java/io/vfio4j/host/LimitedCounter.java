package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A page counter charged against a limit, unsigned as the kernel's counters: a charge that would
 * pass the limit is refused whole; an uncharge below zero wraps and is reported as a WARN. Used for
 * a user's {@code locked_vm} and an address space's {@code pinned_vm}.
 */
final class LimitedCounter {
    private final SimHost host;
    private final String name;
    private final PaddedCounter value = new PaddedCounter();
    private final AtomicLong underflows = new AtomicLong();

    /**
     * @param name how messages name the counter, e.g. "pinned_vm of address space 3"
     */
    LimitedCounter(SimHost host, String name) {
        this.host = host;
        this.name = name;
    }

    long get() {
        return value.get();
    }

    long underflows() {
        return underflows.get();
    }

    void charge(long pages, long limitPages) {
        if (pages < 0) {
            throw new IllegalArgumentException("negative charge: " + pages);
        }
        if (pages == 0) {
            return;
        }
        while (true) {
            long current = value.get();
            long next = current + pages;
            if (Long.compareUnsigned(next, limitPages) > 0) {
                throw VfioException.of(
                        Errno.ENOMEM,
                        "%s would reach %s pages, over the limit of %s",
                        name,
                        Long.toUnsignedString(next),
                        Long.toUnsignedString(limitPages));
            }
            if (value.compareAndSet(current, next)) {
                return;
            }
        }
    }

    void uncharge(long pages) {
        if (pages < 0) {
            throw new IllegalArgumentException("negative uncharge: " + pages);
        }
        long before = value.getAndAdd(-pages);
        if (Long.compareUnsigned(pages, before) > 0) {
            underflows.incrementAndGet();
            host.warn(
                    name
                            + " underflow: "
                            + Long.toUnsignedString(before)
                            + " - "
                            + pages
                            + " wraps");
        }
    }
}
