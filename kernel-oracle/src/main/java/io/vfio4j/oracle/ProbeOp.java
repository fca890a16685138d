package io.vfio4j.oracle;

import java.util.List;
import java.util.Set;

/**
 * One operation of the probe's language: an id (the caller's name for the step, one token), the
 * operation and its operands, written as one line {@code ID OP ARGS...}.
 */
public record ProbeOp(String id, String op, List<String> args) {
    /** The operations the probe knows, with their operand count. */
    static final java.util.Map<String, Integer> ARITY =
            java.util.Map.ofEntries(
                    java.util.Map.entry("mmap", 3),
                    java.util.Map.entry("munmap", 2),
                    java.util.Map.entry("touch", 2),
                    java.util.Map.entry("attach", 0),
                    java.util.Map.entry("detach", 0),
                    java.util.Map.entry("set_iommu", 1),
                    java.util.Map.entry("check_ext", 1),
                    java.util.Map.entry("map", 5),
                    java.util.Map.entry("unmap", 5),
                    java.util.Map.entry("info", 1),
                    java.util.Map.entry("dirty", 5),
                    java.util.Map.entry("rlimit", 1),
                    java.util.Map.entry("cap_ipc_lock", 1),
                    java.util.Map.entry("exit", 0));

    static final Set<String> PROTS = Set.of("rw", "r", "none");

    public ProbeOp {
        args = List.copyOf(args);
        if (!ARITY.containsKey(op)) {
            throw new IllegalArgumentException("unknown operation '" + op + "'");
        }
        if (args.size() != ARITY.get(op)) {
            throw new IllegalArgumentException(
                    op + " takes " + ARITY.get(op) + " operands, not " + args.size());
        }
        if (!id.matches("[A-Za-z0-9_.:-]+")) {
            throw new IllegalArgumentException("bad id '" + id + "'");
        }
    }

    public static ProbeOp of(String id, String op, Object... args) {
        return new ProbeOp(id, op, java.util.Arrays.stream(args).map(ProbeOp::operand).toList());
    }

    private static String operand(Object o) {
        if (o instanceof Long l) {
            return "0x" + Long.toHexString(l);
        }
        if (o instanceof Integer i) {
            return "0x" + Integer.toHexString(i);
        }
        return String.valueOf(o);
    }

    /** Operand {@code i} as a number ({@code 0x} hex or decimal, unsigned 64-bit). */
    public long num(int i) {
        String s = args.get(i);
        return s.startsWith("0x")
                ? Long.parseUnsignedLong(s.substring(2), 16)
                : Long.parseUnsignedLong(s);
    }

    public String line() {
        return args.isEmpty() ? id + " " + op : id + " " + op + " " + String.join(" ", args);
    }
}
