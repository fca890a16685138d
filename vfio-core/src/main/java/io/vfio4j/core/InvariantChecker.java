package io.vfio4j.core;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.PinMoments;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.host.SimAddressSpace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Proves, after an operation, that the host's counters equal the sum of what every container's
 * backend claims to hold:
 *
 * <ul>
 *   <li>per live address space, {@code locked_vm} equals the pages charged to it (a shared charge
 *       counted once);
 *   <li>every host frame's pin count equals the pins the backends hold on it;
 *   <li>per container, live entries plus the remaining budget equal the limit;
 *   <li>no backend reports an internal inconsistency.
 * </ul>
 *
 * <p>The check after each operation costs what the state's shape costs (containers, mappings,
 * address spaces), not what it holds: pins are compared as running totals ({@link PinMoments}),
 * which backends and the host keep as they pin and unpin. Only when the totals disagree does it
 * audit frame by frame, to name the frames. {@link #check()} always audits frame by frame.
 *
 * <p>Checks run only at quiescent points: an operation holds a shared gate while it runs. The check
 * after an operation takes the gate exclusively without waiting: when another thread is
 * mid-operation the check is skipped, and that thread's own operation checks when it ends. {@link
 * #check()} waits for a quiescent point (without holding operations off), so it never sees an
 * operation half done.
 */
public final class InvariantChecker {
    private final Vfio vfio;
    private volatile boolean enabled;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);
    private final Queue<CompletableFuture<List<String>>> requests = new ConcurrentLinkedQueue<>();
    private long checks;

    InvariantChecker(Vfio vfio, boolean enabled) {
        this.vfio = vfio;
        this.enabled = enabled;
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Switches checking on or off at run time. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** How many checks ran. */
    public synchronized long checks() {
        return checks;
    }

    void beforeOperation() {
        int[] d = depth.get();
        if (d[0]++ == 0) {
            gate.readLock().lock();
        }
    }

    void afterOperation(java.util.function.Supplier<String> description, boolean succeeded) {
        int[] d = depth.get();
        if (--d[0] != 0) {
            return;
        }
        gate.readLock().unlock();
        if ((!enabled && requests.isEmpty()) || !gate.writeLock().tryLock()) {
            return;
        }
        try {
            serveRequests();
            if (!enabled) {
                return;
            }
            List<String> problems = run(true);
            if (!problems.isEmpty()) {
                throw new InvariantViolation(
                        "after "
                                + description.get()
                                + (succeeded ? "" : " (refused)")
                                + ":\n  "
                                + String.join("\n  ", problems));
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /**
     * Runs every check now, frame by frame, and returns what is wrong (empty if nothing). Safe at
     * any time from any thread: it waits until no operation of this runtime is running and holds
     * them off while it checks. It must not be called from inside an operation (e.g. from a
     * DMA-unmap callback), whose state is half changed.
     *
     * @throws IllegalStateException when called from inside an operation
     */
    public List<String> check() {
        if (depth.get()[0] > 0) {
            throw new IllegalStateException(
                    "the invariant check cannot run inside an operation (e.g. a DMA-unmap callback)");
        }
        if (gate.writeLock().tryLock()) {
            try {
                return run(false);
            } finally {
                gate.writeLock().unlock();
            }
        }
        // Never queue for the gate: a queued writer would block new operations, and a vendor that
        // holds its own lock across pins would deadlock with its DMA-unmap callback. The request
        // is served by whichever operation ends at a quiescent point, or by this thread's retry.
        CompletableFuture<List<String>> request = new CompletableFuture<>();
        requests.add(request);
        while (true) {
            try {
                return request.get(1, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (gate.writeLock().tryLock()) {
                    try {
                        serveRequests();
                    } finally {
                        gate.writeLock().unlock();
                    }
                }
            } catch (InterruptedException e) {
                requests.remove(request);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting to check", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw (Error) e.getCause();
            }
        }
    }

    /** Runs every pending {@link #check()} request; the gate is held exclusively. */
    private void serveRequests() {
        CompletableFuture<List<String>> r;
        while ((r = requests.poll()) != null) {
            try {
                r.complete(run(false));
            } catch (RuntimeException | Error e) {
                r.completeExceptionally(e);
            }
        }
    }

    /** Runs the checks with the gate held exclusively; {@code totalsFirst} for the cheap form. */
    private synchronized List<String> run(boolean totalsFirst) {
        checks++;
        if (totalsFirst) {
            Claims claims = audit(true);
            List<String> problems = new ArrayList<>(claims.problems);
            checkLockedVm(claims, problems);
            checkPinnedAndUserCounters(claims, problems);
            PinMoments host = vfio.host().memory().pinMoments();
            if (claims.moments.sameAs(host)) {
                return problems;
            }
            List<String> full = fullCheck();
            if (full.isEmpty()) {
                // A backend's running totals drifted from what it holds.
                full.add(
                        "pin totals differ: host "
                                + host
                                + ", the backends claim "
                                + claims.moments);
            }
            return full;
        }
        return fullCheck();
    }

    private List<String> fullCheck() {
        Claims claims = audit(false);
        List<String> problems = new ArrayList<>(claims.problems);
        checkLockedVm(claims, problems);
        checkPinnedAndUserCounters(claims, problems);
        checkPins(claims, problems);
        return problems;
    }

    private Claims audit(boolean totals) {
        Claims claims = new Claims(totals);
        for (VfioContainer c : vfio.containers()) {
            claims.container = c;
            c.audit(claims);
        }
        claims.container = null;
        for (IommuContext c : vfio.iommuContexts()) {
            c.audit(claims);
        }
        return claims;
    }

    private void checkLockedVm(Claims claims, List<String> problems) {
        for (SimAddressSpace space : vfio.host().addressSpaces()) {
            if (!space.isAlive()) {
                continue; // a dead space's counter is frozen: the kernel skips un-charging it
            }
            long claimed = claims.charged.getOrDefault(space, 0L);
            if (claimed != space.lockedVm()) {
                problems.add(
                        String.format(
                                Locale.ROOT,
                                "address space %d (pid %d): locked_vm is %d pages but the containers account for %d",
                                space.id(),
                                space.ownerPid(),
                                space.lockedVm(),
                                claimed));
            }
        }
    }

    /**
     * The counters iommufd charges next to {@code locked_vm}: each live address space's {@code
     * pinned_vm} and each user's {@code locked_vm} must equal what the containers claim.
     */
    private void checkPinnedAndUserCounters(Claims claims, List<String> problems) {
        for (SimAddressSpace space : vfio.host().addressSpaces()) {
            if (!space.isAlive()) {
                continue;
            }
            long claimed = claims.chargedPinned.getOrDefault(space, 0L);
            if (claimed != space.pinnedVm()) {
                problems.add(
                        String.format(
                                Locale.ROOT,
                                "address space %d (pid %d): pinned_vm is %d pages but the containers account for %d",
                                space.id(),
                                space.ownerPid(),
                                space.pinnedVm(),
                                claimed));
            }
        }
        for (io.vfio4j.host.SimUser user : vfio.host().users()) {
            long claimed = claims.chargedUser.getOrDefault(user, 0L);
            if (claimed != user.lockedVm()) {
                problems.add(
                        String.format(
                                Locale.ROOT,
                                "user %d: locked_vm is %d pages but the containers account for %d",
                                user.uid(),
                                user.lockedVm(),
                                claimed));
            }
        }
    }

    private void checkPins(Claims claims, List<String> problems) {
        TreeMap<Long, Long> expected = sweep(claims.pinDeltas);
        TreeMap<Long, Long> actual = new TreeMap<>(Long::compareUnsigned);
        vfio.host()
                .memory()
                .forEachPinned(
                        (pfn, pages, pins) -> {
                            actual.merge(pfn, pins, Long::sum);
                            actual.merge(pfn + pages, -pins, Long::sum);
                        });
        TreeMap<Long, Long> host = sweep(actual);
        if (!expected.equals(host)) {
            problems.add(
                    "frame pin counts differ from the backends' claims: "
                            + describeDifference(expected, host));
        }
    }

    /** Turns start/end deltas into a normalized step function: pfn -> pins from there on. */
    private static TreeMap<Long, Long> sweep(Map<Long, Long> deltas) {
        TreeMap<Long, Long> sorted = new TreeMap<>(Long::compareUnsigned);
        sorted.putAll(deltas);
        TreeMap<Long, Long> steps = new TreeMap<>(Long::compareUnsigned);
        long level = 0;
        for (Map.Entry<Long, Long> e : sorted.entrySet()) {
            long next = level + e.getValue();
            if (next != level) {
                steps.put(e.getKey(), next);
                level = next;
            }
        }
        return steps;
    }

    private static String describeDifference(
            TreeMap<Long, Long> expected, TreeMap<Long, Long> host) {
        Set<Long> keys = new java.util.TreeSet<>(Long::compareUnsigned);
        keys.addAll(expected.keySet());
        keys.addAll(host.keySet());
        List<String> out = new ArrayList<>();
        for (long k : keys) {
            long e = valueAt(expected, k);
            long h = valueAt(host, k);
            if (e != h) {
                out.add(
                        String.format(
                                Locale.ROOT, "from pfn 0x%x: host %d pins, claimed %d", k, h, e));
                if (out.size() == 8) {
                    out.add("...");
                    break;
                }
            }
        }
        return String.join("; ", out);
    }

    private static long valueAt(TreeMap<Long, Long> steps, long pfn) {
        Map.Entry<Long, Long> e = steps.floorEntry(pfn);
        return e == null ? 0 : e.getValue();
    }

    /** Collects every container's claims, counting a shared claim once. */
    private static final class Claims implements AuditSink {
        final boolean totals;
        final PinMoments moments = new PinMoments();
        final Map<AddressSpace, Long> charged = new HashMap<>();
        final Map<AddressSpace, Long> chargedPinned = new HashMap<>();
        final Map<io.vfio4j.api.host.HostUser, Long> chargedUser = new HashMap<>();
        final Map<Long, Long> pinDeltas = new HashMap<>();
        final Set<Object> chargeKeys = Collections.newSetFromMap(new IdentityHashMap<>());
        final Map<Object, Set<Long>> pinKeys = new IdentityHashMap<>();
        final List<String> problems = new ArrayList<>();
        VfioContainer container;

        Claims(boolean totals) {
            this.totals = totals;
        }

        @Override
        public boolean totalsSuffice() {
            return totals;
        }

        @Override
        public void pinnedTotals(PinMoments backendTotals) {
            if (!totals) {
                throw new IllegalStateException("totals were not asked for");
            }
            moments.add(backendTotals);
        }

        @Override
        public void charged(AddressSpace space, Object shareKey, long pages) {
            if (shareKey != null && !chargeKeys.add(shareKey)) {
                return;
            }
            charged.merge(space, pages, Long::sum);
        }

        @Override
        public void chargedPinned(AddressSpace space, long pages) {
            chargedPinned.merge(space, pages, Long::sum);
        }

        @Override
        public void chargedUser(io.vfio4j.api.host.HostUser user, long pages) {
            chargedUser.merge(user, pages, Long::sum);
        }

        @Override
        public void pinned(Object shareKey, long pfn, long pages, long pins) {
            if (shareKey != null
                    && !pinKeys.computeIfAbsent(shareKey, k -> new java.util.HashSet<>())
                            .add(pfn)) {
                return;
            }
            if (totals) {
                moments.add(pfn, pages, pins);
                return;
            }
            pinDeltas.merge(pfn, pins, Long::sum);
            pinDeltas.merge(pfn + pages, -pins, Long::sum);
        }

        @Override
        public void entries(long live, long available, long limit) {
            if (live + available != limit) {
                problems.add(
                        String.format(
                                Locale.ROOT,
                                "%s: %d live entries + %d available != limit %d",
                                container,
                                live,
                                available,
                                limit));
            }
        }

        @Override
        public void violation(String message) {
            problems.add(container + ": " + message);
        }
    }
}
