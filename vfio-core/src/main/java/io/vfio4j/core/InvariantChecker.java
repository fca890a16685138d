package io.vfio4j.core;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.host.SimAddressSpace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>Checks run only at quiescent points: an operation holds a shared gate while it runs, and the
 * check takes the gate exclusively without waiting. When another thread is mid-operation the check
 * is skipped; that thread's own operation checks when it ends.
 */
public final class InvariantChecker {
    private final Vfio vfio;
    private volatile boolean enabled;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);
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
        if (!enabled || !gate.writeLock().tryLock()) {
            return;
        }
        try {
            List<String> problems = check();
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

    /** Runs every check now and returns what is wrong (empty if nothing). */
    public synchronized List<String> check() {
        checks++;
        Claims claims = new Claims();
        for (VfioContainer c : vfio.containers()) {
            claims.container = c;
            c.audit(claims);
        }
        List<String> problems = new ArrayList<>(claims.problems);
        checkLockedVm(claims, problems);
        checkPins(claims, problems);
        return problems;
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
        final Map<AddressSpace, Long> charged = new HashMap<>();
        final Map<Long, Long> pinDeltas = new HashMap<>();
        final Set<Object> chargeKeys = Collections.newSetFromMap(new IdentityHashMap<>());
        final Map<Object, Set<Long>> pinKeys = new IdentityHashMap<>();
        final List<String> problems = new ArrayList<>();
        VfioContainer container;

        @Override
        public void charged(AddressSpace space, Object shareKey, long pages) {
            if (shareKey != null && !chargeKeys.add(shareKey)) {
                return;
            }
            charged.merge(space, pages, Long::sum);
        }

        @Override
        public void pinned(Object shareKey, long pfn, long pages, long pins) {
            if (shareKey != null
                    && !pinKeys.computeIfAbsent(shareKey, k -> new java.util.HashSet<>())
                            .add(pfn)) {
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
