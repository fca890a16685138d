package io.vfio4j.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One trace replayed on several backends (each named as the container's backend, the IOMMU type
 * unchanged), and the calls whose answers differ: the errno, the bytes an unmap removed, and the
 * VMM's {@code locked_vm}, {@code pinned_vm} and its user's {@code locked_vm} after the call.
 *
 * <p>Each backend's answers are kept as primitive columns (no object per call) and compared call by
 * call at the end; at most {@code keep} diverging calls are listed, all are counted.
 *
 * @param backends in the order asked
 * @param summaries each backend's replay summary, in the same order
 * @param divergences the first {@code keep} diverging calls, in trace order
 * @param divergingCalls how many calls diverge in all
 * @param byKind how many calls diverge in each value
 * @param callCounts how many calls each backend replayed (equal unless a run stopped early)
 */
public record ReplayComparison(
        String trace,
        List<String> backends,
        List<ReplaySummary> summaries,
        List<CallDivergence> divergences,
        long divergingCalls,
        Map<Kind, Long> byKind,
        List<Long> callCounts) {
    public ReplayComparison {
        backends = List.copyOf(backends);
        summaries = List.copyOf(summaries);
        divergences = List.copyOf(divergences);
        byKind = Map.copyOf(byKind);
        callCounts = List.copyOf(callCounts);
    }

    /** What is compared after each call. */
    public enum Kind {
        ERRNO("errno"),
        UNMAPPED("unmapped"),
        LOCKED_VM("locked_vm"),
        PINNED_VM("pinned_vm"),
        USER_LOCKED_VM("user_locked_vm");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * A call whose answers differ.
     *
     * @param values per kind that differs, one value per backend (errno numbers, bytes, pages)
     */
    public record CallDivergence(
            long line, String op, long iova, long size, Map<Kind, List<Long>> values) {
        public CallDivergence {
            // In Kind order, so that reports print the same lines in the same order every run
            // (Map.copyOf iterates in an order that changes from one JVM to the next).
            EnumMap<Kind, List<Long>> ordered = new EnumMap<>(Kind.class);
            ordered.putAll(values);
            values = java.util.Collections.unmodifiableMap(ordered);
        }
    }

    /**
     * Replays {@code trace} once per backend.
     *
     * @throws ReplayInputException if the trace or a block cannot be used
     * @throws io.vfio4j.api.VfioConfigurationException if a backend is unknown or refuses the
     *     container
     */
    public static ReplayComparison compare(
            Path trace,
            Optional<MemoryLayout> memory,
            ReplayOptions options,
            List<String> backends,
            RuntimeFactory runtime,
            int keep)
            throws ReplayInputException {
        List<Columns> columns = new ArrayList<>();
        List<ReplaySummary> summaries = new ArrayList<>();
        for (String b : backends) {
            ReplayOptions o = options.withIommu(options.iommu(), Optional.of(b));
            Columns c = new Columns();
            summaries.add(Replay.prepare(trace, memory, o, runtime).run(c));
            columns.add(c);
        }
        int calls = columns.stream().mapToInt(c -> c.n).min().orElse(0);
        List<CallDivergence> out = new ArrayList<>();
        Map<Kind, Long> byKind = new EnumMap<>(Kind.class);
        long diverging = 0;
        Columns first = columns.get(0);
        for (int i = 0; i < calls; i++) {
            Map<Kind, List<Long>> values = new EnumMap<>(Kind.class);
            for (Kind k : Kind.values()) {
                if (same(columns, k, i)) {
                    continue; // the common case: no boxing
                }
                List<Long> v = new ArrayList<>(columns.size());
                for (Columns c : columns) {
                    v.add(c.value(k, i));
                }
                values.put(k, v);
                byKind.merge(k, 1L, Long::sum);
            }
            if (!values.isEmpty()) {
                diverging++;
                if (out.size() < keep) {
                    out.add(
                            new CallDivergence(
                                    first.line[i],
                                    first.unmap[i] ? "UNMAP" : "MAP",
                                    first.iova[i],
                                    first.size[i],
                                    values));
                }
            }
        }
        List<Long> counts = columns.stream().map(c -> (long) c.n).toList();
        return new ReplayComparison(
                String.valueOf(trace.getFileName()),
                backends,
                summaries,
                out,
                diverging,
                byKind,
                counts);
    }

    private static boolean same(List<Columns> columns, Kind k, int i) {
        long v = columns.get(0).value(k, i);
        for (int c = 1; c < columns.size(); c++) {
            if (columns.get(c).value(k, i) != v) {
                return false;
            }
        }
        return true;
    }

    /** One backend's answers, column by column. */
    private static final class Columns implements ReplayListener {
        int n;
        long[] line = new long[64];
        boolean[] unmap = new boolean[64];
        long[] iova = new long[64];
        long[] size = new long[64];
        int[] errno = new int[64];
        long[] unmapped = new long[64];
        long[] locked = new long[64];
        long[] pinned = new long[64];
        long[] user = new long[64];

        @Override
        public void call(CallResult r) {
            if (n == line.length) {
                int m = n * 2;
                line = Arrays.copyOf(line, m);
                unmap = Arrays.copyOf(unmap, m);
                iova = Arrays.copyOf(iova, m);
                size = Arrays.copyOf(size, m);
                errno = Arrays.copyOf(errno, m);
                unmapped = Arrays.copyOf(unmapped, m);
                locked = Arrays.copyOf(locked, m);
                pinned = Arrays.copyOf(pinned, m);
                user = Arrays.copyOf(user, m);
            }
            line[n] = r.line();
            unmap[n] = "UNMAP".equals(r.op());
            iova[n] = r.iova();
            size[n] = r.size();
            errno[n] = r.errno();
            unmapped[n] = r.unmapped();
            locked[n] = r.lockedVmPages();
            pinned[n] = r.pinnedVmPages();
            user[n] = r.userLockedVmPages();
            n++;
        }

        long value(Kind k, int i) {
            return switch (k) {
                case ERRNO -> errno[i];
                case UNMAPPED -> unmapped[i];
                case LOCKED_VM -> locked[i];
                case PINNED_VM -> pinned[i];
                case USER_LOCKED_VM -> user[i];
            };
        }
    }
}
