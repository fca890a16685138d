package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random sequences for differential fuzzing of external pinning: MAP and UNMAP, the
 * passthrough group joining and leaving (replay, re-accounting), the guest's two test mdevs' groups
 * joining and leaving, their devices opening and closing, and their pins and unpins, under changing
 * RLIMIT_MEMLOCK and CAP_IPC_LOCK. The drivers are well-behaved: a driver that ignores unmaps or
 * leaks makes the kernel BUG inside an UNMAP (the probe never comes back), which the fixed lists
 * show in boots of their own. Pins are page aligned (an unaligned one is deviation T1-4). The same
 * seed gives the same sequence.
 */
public final class MdevFuzzGenerator {
    private static final long RAM = FuzzGenerator.RAM;
    private static final long RAM_SIZE = FuzzGenerator.RAM_SIZE;
    private static final long RO = FuzzGenerator.RO;
    private static final long RO_SIZE = FuzzGenerator.RO_SIZE;
    private static final long WINDOW = 64L << 20;
    private static final long[] SIZES = {0x1000, 0x2000, 0x10000, 0x200000, 0x400000, 0x1000000};
    private static final long[] PAGES = {1, 2, 3, 8, 64, 512, 513, 1000, 0};

    private MdevFuzzGenerator() {}

    /** A scenario named {@code pins-SEED} of {@code length} random operations after the setup. */
    public static ProbeScenario scenario(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        List<ProbeOp> ops = new ArrayList<>();
        ops.add(ProbeOp.of("rl", "rlimit", pick(r, "unlimited", 8L << 20, 16L << 20)));
        ops.add(ProbeOp.of("cap", "cap_ipc_lock", r.nextInt(2)));
        ops.add(ProbeOp.of("ram", "mmap", RAM, RAM_SIZE, "rw"));
        ops.add(ProbeOp.of("ro", "mmap", RO, RO_SIZE, "r"));
        ops.add(ProbeOp.of("u0", "mdev_use", 0, 0));
        ops.add(ProbeOp.of("u1", "mdev_use", 1, 0));
        ops.add(ProbeOp.of("a0", "mdev_attach", 0));
        if (r.nextBoolean()) {
            ops.add(ProbeOp.of("a", "attach"));
        }
        ops.add(ProbeOp.of("s", "set_iommu", 3));
        ops.add(ProbeOp.of("o0", "mdev_open", 0));
        boolean[] open = {true, false};
        for (int i = 0; i < length; i++) {
            ops.add(op(r, "o" + i, open));
        }
        return new ProbeScenario("pins-" + Long.toUnsignedString(seed), ops);
    }

    /**
     * One operation; {@code open} follows which devices are open, since the probe keeps one
     * descriptor a device (a second open would leave the first one behind).
     */
    private static ProbeOp op(SplittableRandom r, String id, boolean[] open) {
        int k = r.nextInt(100);
        int d = r.nextInt(4) == 0 ? 1 : 0;
        if (k < 22) {
            boolean ro = r.nextInt(6) == 0;
            long size = SIZES[r.nextInt(SIZES.length)];
            long vaddr = ro ? RO + page(r, RO_SIZE) : RAM + page(r, RAM_SIZE);
            return ProbeOp.of(id, "map", vaddr, page(r, WINDOW), size, ro ? 1 : 3, 32);
        }
        if (k < 34) {
            boolean all = r.nextInt(5) == 0;
            long size = all ? 0 : SIZES[r.nextInt(SIZES.length)] * (1 + r.nextInt(4));
            return ProbeOp.of(
                    id, "unmap", all ? 0 : page(r, WINDOW), size, all ? 2 : 0, 24, 0x1000L);
        }
        if (k < 58) {
            long pages = PAGES[r.nextInt(PAGES.length)];
            return ProbeOp.of(id, "pin", d, page(r, WINDOW), pages, r.nextInt(4) == 0 ? 1 : 3, 512);
        }
        if (k < 72) {
            return ProbeOp.of(id, "unpin", d, page(r, WINDOW), PAGES[r.nextInt(PAGES.length)], 512);
        }
        if (k < 80) {
            return ProbeOp.of(id, r.nextBoolean() ? "attach" : "detach");
        }
        if (k < 86) {
            return ProbeOp.of(id, r.nextBoolean() ? "mdev_attach" : "mdev_detach", d);
        }
        if (k < 92) {
            open[d] = !open[d];
            return ProbeOp.of(id, open[d] ? "mdev_open" : "mdev_close", d);
        }
        if (k < 94) {
            return ProbeOp.of(id, "set_iommu", 3);
        }
        if (k < 97) {
            return ProbeOp.of(id, "rlimit", pick(r, "unlimited", 64L << 10, 4L << 20, 16L << 20));
        }
        return ProbeOp.of(id, "cap_ipc_lock", r.nextInt(2));
    }

    /** A page-aligned offset below {@code limit}, mostly in its first MiBs so that ranges meet. */
    private static long page(SplittableRandom r, long limit) {
        return (r.nextLong(limit / 0x1000) & (r.nextBoolean() ? 0x3ff : 0x1fff)) * 0x1000 % limit;
    }

    private static Object pick(SplittableRandom r, Object... choices) {
        return choices[r.nextInt(choices.length)];
    }
}
