package io.vfio4j.host;

import io.vfio4j.api.Errno;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one future host operation fail, for testing error paths. {@link #failNth} arms it: the n-th
 * hit from now at one of the chosen sites fails once with the given errno, then the injector
 * disarms itself. Hits are counted once {@link #startCounting} was called, armed or not: the
 * counters cost an atomic add per host pin and map (issue 17: about 12 % of a single-page
 * pin+unpin), which a host that never asks for them does not pay. Thread-safe.
 *
 * <p>Sites: {@link SimAddressSpace#pinRun} hits {@link FaultSite#PIN} once per call, {@link
 * SimIommuDomain#map} hits {@link FaultSite#IOMMU_MAP} once per call, {@link SimHost#allocation}
 * and {@link SimIommuGroup#allocateDomain} hit {@link FaultSite#ALLOCATION} (and always fail with
 * ENOMEM, as a failed allocation does).
 */
public final class FaultInjector {
    private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);

    /** The host operations a fault can be injected into. */
    public enum FaultSite {
        /** Pinning user pages ({@code pin_user_pages}). */
        PIN,
        /** Writing IOMMU page-table entries ({@code iommu_map}). */
        IOMMU_MAP,
        /** A kernel allocation ({@code kzalloc}, domain allocation). */
        ALLOCATION
    }

    /**
     * Hit counters, one adder per site: every pin and IOMMU map of every thread counts here, so
     * they must not serialize the host.
     */
    private final LongAdder[] hits = new LongAdder[FaultSite.values().length];

    /** Matching hits still to come before the failure; 0 when disarmed. */
    private long remaining;

    /** {@code remaining > 0}, readable without the lock: the disarmed fast path of {@link #hit}. */
    private volatile boolean armed;

    /** True once {@link #startCounting} was called. */
    private volatile boolean counting;

    private Errno errno;
    private EnumSet<FaultSite> sites = EnumSet.noneOf(FaultSite.class);

    public FaultInjector() {
        for (int i = 0; i < hits.length; i++) {
            hits[i] = new LongAdder();
        }
    }

    /**
     * Arms the injector: the {@code n}-th (1-based) future hit at one of {@code sites} (every site
     * if none is given) fails with {@code errno}. Replaces any earlier arming.
     */
    public synchronized void failNth(long n, Errno errno, FaultSite... sites) {
        if (n < 1) {
            throw new IllegalArgumentException("n is 1-based: " + n);
        }
        this.errno = Objects.requireNonNull(errno, "errno");
        this.sites =
                sites.length == 0 ? EnumSet.allOf(FaultSite.class) : EnumSet.of(sites[0], sites);
        this.remaining = n;
        this.armed = true;
    }

    /**
     * Records a hit at {@code site}; returns the errno to fail with if this is the armed hit. Host
     * components call it; a test may call it to model another failure point.
     */
    public Optional<Errno> hit(FaultSite site) {
        if (counting) {
            hits[site.ordinal()].increment();
        }
        if (!armed) {
            return Optional.empty();
        }
        return armedHit(site);
    }

    private synchronized Optional<Errno> armedHit(FaultSite site) {
        if (remaining == 0 || !sites.contains(site)) {
            return Optional.empty();
        }
        if (--remaining > 0) {
            return Optional.empty();
        }
        Errno failure = errno;
        disarm();
        LOG.debug("injected {} at {} (hit {} there)", failure, site, hits(site));
        return Optional.of(failure);
    }

    /** Counts every hit from now on, at every site (off until called). */
    public void startCounting() {
        counting = true;
    }

    /** Hits at {@code site} since {@link #startCounting} or {@link #resetCounters()}. */
    public long hits(FaultSite site) {
        return hits[site.ordinal()].sum();
    }

    /** Hits at all sites since {@link #startCounting} or {@link #resetCounters()}. */
    public long totalHits() {
        long total = 0;
        for (LongAdder h : hits) {
            total += h.sum();
        }
        return total;
    }

    /** Cancels a pending failure. */
    public synchronized void disarm() {
        remaining = 0;
        armed = false;
        errno = null;
        sites = EnumSet.noneOf(FaultSite.class);
    }

    /** True while a failure is pending. */
    public synchronized boolean isArmed() {
        return remaining > 0;
    }

    /** Zeroes the hit counters; a pending failure stays armed and keeps its countdown. */
    public void resetCounters() {
        for (LongAdder h : hits) {
            h.reset();
        }
    }
}
