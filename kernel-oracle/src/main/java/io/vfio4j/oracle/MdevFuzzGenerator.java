package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random sequences for differential fuzzing of external pinning: MAP and UNMAP, the
 * passthrough group joining and leaving (replay, re-accounting), the guest's two test mdevs' groups
 * joining and leaving, their devices opening and closing, and their pins and unpins, under changing
 * RLIMIT_MEMLOCK and CAP_IPC_LOCK. The same seed gives the same sequence.
 *
 * <p>What would make the kernel BUG inside an UNMAP (the probe never comes back) is left out, since
 * the fixed lists show it in boots of their own: drivers are well-behaved, and an unpin repeats an
 * earlier pin of the same device inside one mapping. An unpin whose range starts at an unmapped
 * page or crosses a hole makes type1 stop at once while the driver forgets every reference in the
 * range; the pins it forgot elsewhere are then never dropped, and the next UNMAP there notifies in
 * vain (the model's first version of this generator ran into it). Pins are page aligned (an
 * unaligned one is deviation T1-4).
 */
public final class MdevFuzzGenerator {
    private static final long RAM = FuzzGenerator.RAM;
    private static final long RAM_SIZE = FuzzGenerator.RAM_SIZE;
    private static final long RO = FuzzGenerator.RO;
    private static final long RO_SIZE = FuzzGenerator.RO_SIZE;
    private static final long PAGE = 0x1000;
    private static final long WINDOW = 64L << 20;
    private static final long[] SIZES = {0x1000, 0x2000, 0x10000, 0x200000, 0x400000, 0x1000000};
    private static final long[] PAGES = {1, 2, 3, 8, 64, 512, 513, 1000, 0};

    private MdevFuzzGenerator() {}

    /** What the generator knows of the sequence so far (as if every operation succeeded). */
    private static final class State {
        final boolean[] open = {true, false};
        final List<long[]> maps = new ArrayList<>(List.of(new long[] {0, 16L << 20}));
        final List<List<long[]>> pins = List.of(new ArrayList<>(), new ArrayList<>());
    }

    /** A scenario named {@code pins-SEED} of {@code length} random operations after the setup. */
    public static ProbeScenario scenario(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        State st = new State();
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
        ops.add(ProbeOp.of("open0", "mdev_open", 0));
        if (r.nextBoolean()) {
            ops.add(ProbeOp.of("a1", "mdev_attach", 1));
            ops.add(ProbeOp.of("open1", "mdev_open", 1));
            st.open[1] = true;
        }
        ops.add(ProbeOp.of("m0", "map", RAM, 0L, 16L << 20, 3, 32));
        for (int i = 0; i < length; i++) {
            ops.add(op(r, "o" + i, st));
        }
        return new ProbeScenario("pins-" + Long.toUnsignedString(seed), ops);
    }

    private static ProbeOp op(SplittableRandom r, String id, State st) {
        int k = r.nextInt(100);
        int d = r.nextInt(4) == 0 ? 1 : 0;
        if (!st.open[d] && r.nextInt(4) != 0) {
            // Mostly open: a closed device's pins are EBADF, which says nothing of type1.
            st.open[d] = true;
            return ProbeOp.of(id, "mdev_open", d);
        }
        if (k < 22) {
            boolean ro = r.nextInt(6) == 0;
            long size = SIZES[r.nextInt(SIZES.length)];
            long vaddr = ro ? RO + page(r, RO_SIZE) : RAM + page(r, RAM_SIZE);
            long iova = st.maps.isEmpty() && r.nextBoolean() ? 0 : page(r, WINDOW);
            if (st.maps.stream().noneMatch(x -> x[0] - iova < size && iova - x[0] < x[1])) {
                st.maps.add(new long[] {iova, size}); // an overlap would be EEXIST: not a target
            }
            return ProbeOp.of(id, "map", vaddr, iova, size, ro ? 1 : 3, 32);
        }
        if (k < 34) {
            boolean all = r.nextInt(8) == 0;
            long size = all ? 0 : SIZES[r.nextInt(SIZES.length)] * (1 + r.nextInt(2));
            long iova = all ? 0 : page(r, WINDOW);
            // The drivers drop what the UNMAP names: earlier pins are no longer theirs to repeat.
            st.pins.forEach(List::clear);
            st.maps.removeIf(x -> all || x[0] - iova >= 0 && x[0] - iova < size);
            return ProbeOp.of(id, "unmap", iova, size, all ? 2 : 0, 24, PAGE);
        }
        if (k < 60) {
            return pin(r, id, d, st);
        }
        if (k < 72) {
            List<long[]> held = st.pins.get(d);
            long[] p = held.isEmpty() ? new long[] {0, 1} : held.remove(r.nextInt(held.size()));
            return ProbeOp.of(id, "unpin", d, p[0], p[1], 512);
        }
        if (k < 80) {
            return ProbeOp.of(id, r.nextBoolean() ? "attach" : "detach");
        }
        if (k < 86) {
            return ProbeOp.of(id, r.nextBoolean() ? "mdev_attach" : "mdev_detach", d);
        }
        if (k < 92) {
            st.open[d] = !st.open[d];
            st.pins.get(d).clear(); // a close unpins everything, an open starts empty
            return ProbeOp.of(id, st.open[d] ? "mdev_open" : "mdev_close", d);
        }
        if (k < 94) {
            return ProbeOp.of(id, "set_iommu", 3);
        }
        if (k < 97) {
            return ProbeOp.of(id, "rlimit", pick(r, "unlimited", 64L << 10, 4L << 20, 16L << 20));
        }
        return ProbeOp.of(id, "cap_ipc_lock", r.nextInt(2));
    }

    /**
     * Mostly inside a mapping made so far (remembered, so that an unpin can repeat it); now and
     * then across its end or anywhere (EINVAL, or the chunks before the refused one stay pinned).
     */
    private static ProbeOp pin(SplittableRandom r, String id, int d, State st) {
        long pages = PAGES[r.nextInt(PAGES.length)];
        int prot = r.nextInt(4) == 0 ? 1 : 3;
        if (st.maps.isEmpty() || r.nextInt(6) == 0) {
            return ProbeOp.of(id, "pin", d, page(r, WINDOW), pages, prot, 512);
        }
        long[] m = st.maps.get(r.nextInt(st.maps.size()));
        long iova = m[0] + page(r, Math.min(m[1], 64 * PAGE));
        long room = (m[0] + m[1] - iova) / PAGE;
        if (pages <= room && r.nextInt(8) != 0) {
            st.pins.get(d).add(new long[] {iova, Math.max(pages, 1)});
            return ProbeOp.of(id, "pin", d, iova, pages, prot, 512);
        }
        return ProbeOp.of(id, "pin", d, iova, pages, prot, 512);
    }

    /** A page-aligned offset below {@code limit}, mostly in its first MiBs so that ranges meet. */
    private static long page(SplittableRandom r, long limit) {
        return (r.nextLong(limit / PAGE) & (r.nextBoolean() ? 0x3ff : 0x1fff)) * PAGE % limit;
    }

    private static Object pick(SplittableRandom r, Object... choices) {
        return choices[r.nextInt(choices.length)];
    }
}
