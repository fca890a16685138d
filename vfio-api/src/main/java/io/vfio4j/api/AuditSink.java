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
     * This container accounts for {@code pages} in {@code space}'s {@code pinned_vm} (SPI 1.4; the
     * iommufd backend charges it). A backend that never charges {@code pinned_vm} does not call it;
     * the runtime then proves the counter is 0 for every live address space.
     */
    default void chargedPinned(AddressSpace space, long pages) {}

    /**
     * This container accounts for {@code pages} in {@code user}'s {@code locked_vm} (SPI 1.4; the
     * iommufd backend in per-user accounting charges it).
     */
    default void chargedUser(io.vfio4j.api.host.HostUser user, long pages) {}

    /**
     * This container holds {@code pins} pins on each of {@code pages} frames from {@code pfn}.
     * Shared pins are reported with a {@code shareKey} as for {@link #charged}.
     */
    void pinned(Object shareKey, long pfn, long pages, long pins);

    /**
     * True when the runtime asks only for totals (the check after each operation, which must cost
     * what the operation changed, not what the container holds): a backend that keeps running
     * {@link PinMoments} of the pins it holds alone may then report them with {@link #pinnedTotals}
     * instead of one {@link #pinned} call per run. Shared pins are always reported with {@link
     * #pinned}. When the totals disagree with the host, the runtime audits again in full to name
     * the frames.
     */
    default boolean totalsSuffice() {
        return false;
    }

    /**
     * The totals of the unshared pins this container holds (only when {@link #totalsSuffice()}),
     * instead of their {@link #pinned} calls.
     */
    default void pinnedTotals(PinMoments totals) {
        throw new UnsupportedOperationException("this sink wants every pinned run");
    }

    /** The entry budget: live entries plus the remaining budget must equal the limit. */
    void entries(long live, long available, long limit);

    /** The backend found an internal inconsistency. */
    void violation(String message);
}
