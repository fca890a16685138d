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
                    java.util.Map.entry("exit", 0),
                    // with the test vendor driver (a boot of MdevGuest)
                    java.util.Map.entry("mdev_use", 2),
                    java.util.Map.entry("mdev_attach", 1),
                    java.util.Map.entry("mdev_detach", 1),
                    java.util.Map.entry("mdev_open", 1),
                    java.util.Map.entry("mdev_close", 1),
                    java.util.Map.entry("pin", 5),
                    java.util.Map.entry("unpin", 4),
                    java.util.Map.entry("pt_open", 0),
                    java.util.Map.entry("pt_close", 0));

    /** The operations that need the test vendor driver's guest ({@code vendor/vtmdev.c}). */
    static final Set<String> MDEV_OPS =
            Set.of(
                    "mdev_use",
                    "mdev_attach",
                    "mdev_detach",
                    "mdev_open",
                    "mdev_close",
                    "pin",
                    "unpin",
                    "pt_open",
                    "pt_close");

    /** The guest's test mdevs (operand D of the mdev operations: 0 or 1). */
    public static final int MDEVS = 2;

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
        if (MDEV_OPS.contains(op) && !op.startsWith("pt_") && !args.get(0).matches("(0x)?[01]")) {
            throw new IllegalArgumentException(op + ": the guest's test mdev is 0 or 1");
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

    /** Whether the operation needs the test vendor driver's guest. */
    public boolean mdev() {
        return MDEV_OPS.contains(op);
    }

    public String line() {
        return args.isEmpty() ? id + " " + op : id + " " + op + " " + String.join(" ", args);
    }
}
