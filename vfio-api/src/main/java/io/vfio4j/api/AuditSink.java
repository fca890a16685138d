package io.vfio4j.api;

import io.vfio4j.api.host.AddressSpace;

/**
 * Receives what one container claims to hold, so the runtime can prove that the host's counters
 * equal the sum of every backend's claims.
 */
public interface AuditSink {
    /**
     * This container accounts for {@code pages} in {@code space}'s {@code locked_vm}. A charge
     * shared by several containers (e.g. SPAPR memory registered by every container of a process)
     * is reported by each of them with the same {@code shareKey}; the checker counts it once. Use
     * {@code null} for a charge that is the container's alone.
     */
    void charged(AddressSpace space, Object shareKey, long pages);

    /**
     * This container holds {@code pins} pins on each of {@code pages} frames from {@code pfn}.
     * Shared pins are reported with a {@code shareKey} as for {@link #charged}.
     */
    void pinned(Object shareKey, long pfn, long pages, long pins);

    /** The entry budget: live entries plus the remaining budget must equal the limit. */
    void entries(long live, long available, long limit);

    /** The backend found an internal inconsistency. */
    void violation(String message);
}
