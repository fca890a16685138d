package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random type1 operation sequences for differential fuzzing: the same seed gives the same
 * sequence. Addresses and sizes come from small sets (a 32 MiB writable region, a 4 MiB read-only
 * one, a 64 MiB IOVA window, sizes of 4 KiB to 4 MiB, some unaligned) so that operations overlap,
 * split and refuse each other often; RLIMIT_MEMLOCK and CAP_IPC_LOCK change under the mappings.
 */
public final class FuzzGenerator {
    static final long RAM = 0x1000000000L;
    static final long RAM_SIZE = 32L << 20;
    static final long RO = 0x1100000000L;
    static final long RO_SIZE = 4L << 20;
    private static final long[] SIZES = {0x1000, 0x2000, 0x10000, 0x200000, 0x400000, 0x800, 0};

    private FuzzGenerator() {}

    /** A scenario named {@code fuzz-SEED} of {@code length} random operations after the setup. */
    public static ProbeScenario scenario(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        List<ProbeOp> ops = new ArrayList<>();
        ops.add(ProbeOp.of("rl", "rlimit", pick(r, "unlimited", 8L << 20, 16L << 20)));
        ops.add(ProbeOp.of("cap", "cap_ipc_lock", r.nextInt(2)));
        ops.add(ProbeOp.of("ram", "mmap", RAM, RAM_SIZE, "rw"));
        ops.add(ProbeOp.of("ro", "mmap", RO, RO_SIZE, "r"));
        if (r.nextBoolean()) {
            ops.add(ProbeOp.of("t", "touch", RAM, RAM_SIZE / 2));
        }
        ops.add(ProbeOp.of("a", "attach"));
        ops.add(ProbeOp.of("s", "set_iommu", r.nextInt(8) == 0 ? 1 : 3));
        for (int i = 0; i < length; i++) {
            ops.add(op(r, "o" + i));
        }
        return new ProbeScenario("fuzz-" + Long.toUnsignedString(seed), ops);
    }

    private static ProbeOp op(SplittableRandom r, String id) {
        int k = r.nextInt(100);
        if (k < 40) {
            boolean ro = r.nextInt(6) == 0;
            long size = size(r);
            long vaddr = ro ? RO + page(r, RO_SIZE) : RAM + page(r, RAM_SIZE);
            int flags = (int) pickLong(r, 3, 3, 3, 1, 2, 0, 4, 7, 0x23);
            return ProbeOp.of(
                    id, "map", vaddr + odd(r), iova(r), size, flags, r.nextInt(20) == 0 ? 16 : 32);
        }
        if (k < 70) {
            int flags = (int) pickLong(r, 0, 0, 0, 2, 4, 1);
            long iova = flags == 2 ? 0 : iova(r);
            long size =
                    flags == 2 ? (r.nextInt(8) == 0 ? 0x1000 : 0) : size(r) * (1 + r.nextInt(4));
            int argsz = (flags & 1) != 0 ? 48 : 24;
            return ProbeOp.of(id, "unmap", iova, size, flags, argsz, 0x1000L);
        }
        if (k < 78) {
            return ProbeOp.of(
                    id, "rlimit", pick(r, "unlimited", 4L << 20, 8L << 20, 16L << 20, 64L << 20));
        }
        if (k < 84) {
            return ProbeOp.of(id, "cap_ipc_lock", r.nextInt(2));
        }
        if (k < 92) {
            int flags = (int) pickLong(r, 1, 2, 4, 4);
            return ProbeOp.of(
                    id, "dirty", flags, flags == 4 ? 48 : 8, iova(r), size(r) * 4, 0x1000L);
        }
        if (k < 96) {
            return ProbeOp.of(id, "info", pick(r, 4096L, 4096L, 16L));
        }
        return ProbeOp.of(id, "check_ext", 1 + r.nextInt(10));
    }

    private static long size(SplittableRandom r) {
        return SIZES[r.nextInt(SIZES.length)];
    }

    /** A page-aligned offset below {@code limit}, mostly in its first MiBs. */
    private static long page(SplittableRandom r, long limit) {
        return (r.nextLong(limit / 0x1000) & (r.nextBoolean() ? 0x3ff : 0x1fff)) * 0x1000 % limit;
    }

    private static long iova(SplittableRandom r) {
        return page(r, 64L << 20) + odd(r);
    }

    private static long odd(SplittableRandom r) {
        return r.nextInt(25) == 0 ? 0x800 : 0;
    }

    private static long pickLong(SplittableRandom r, long... choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static Object pick(SplittableRandom r, Object... choices) {
        return choices[r.nextInt(choices.length)];
    }
}
