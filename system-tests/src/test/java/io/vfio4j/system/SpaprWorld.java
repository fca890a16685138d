package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.host.power.PowerNvTableGroup;
import io.vfio4j.spapr.SpaprTceProvider;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A whole SPAPR TCE v2 system driven by random actions (docs/reference/spapr-tce.md §1–§4): two
 * processes, two containers, three PowerNV groups, preregistered memory (REGISTER/UNREGISTER,
 * shared per process), dynamic windows (CREATE/REMOVE, the pending default window), MAP/UNMAP,
 * process exit, and with {@code external-pinning} mdev-like devices that pin through the windows.
 *
 * <p>The model predicts ownership exactly (a container belongs to the first process that registers,
 * creates or removes; every other process gets EPERM), which calls succeed, and {@code locked_vm}
 * of every live process: the distinct live regions of its address space (a region lives while a
 * container references it, or a TCE maps or a device pins into it) plus the table pages of every
 * window of the containers it owns.
 */
final class SpaprWorld {
    static final AtomicLong OPERATIONS = new AtomicLong();
    static final AtomicLong CALLS = new AtomicLong();
    static final AtomicLong REFUSALS = new AtomicLong();

    static final long RAM = 0x10_0000_0000L;
    static final long REGION = 8 * MiB;
    static final long P = 64 * 1024;
    static final int REGIONS = 4;
    static final long SLOT1 = PowerNvTableGroup.SLOT1_BUS_OFFSET;

    final boolean externalPinning;
    final SimHost host = Sys.power(3);
    final Vfio vfio;
    final SimProcess[] procs = new SimProcess[2];
    final Ctr[] ctrs = new Ctr[2];
    final Vgpu[] vgpus = new Vgpu[2];

    /** A window as the model knows it. */
    record Win(long start, int shift, long size, int levels) {
        long pages() {
            return tablePages(shift, size, levels, 16);
        }

        boolean holds(long iova, long len) {
            return Long.compareUnsigned(iova, start) >= 0
                    && Long.compareUnsigned(iova + len - 1, start + size - 1) <= 0;
        }
    }

    final class Ctr {
        final VfioContainer c = vfio.openContainer();
        SimAddressSpace owner;
        boolean enabled;
        boolean pendingDefault;
        final Win[] wins = new Win[2];
        final java.util.Set<Integer> regs = new java.util.TreeSet<>();

        /** IOMMU page iova -> region it maps into. */
        final TreeMap<Long, Integer> tces = new TreeMap<>(Long::compareUnsigned);

        void reset() {
            owner = null;
            enabled = false;
            pendingDefault = false;
            wins[0] = null;
            wins[1] = null;
            regs.clear();
            tces.clear();
        }

        void clearWindow(Win w) {
            tces.subMap(w.start, true, w.start + w.size - 1, true).clear();
        }
    }

    final class Vgpu {
        final String name;
        final TestVendor vendor = new TestVendor(P);
        final Map<Long, Integer> regionOfPin = new HashMap<>();
        final Map<Long, SimAddressSpace> mmOfPin = new HashMap<>();
        VfioGroup group;

        Vgpu(int i) {
            name = "vgpu-" + i;
        }
    }

    SpaprWorld(boolean externalPinning) {
        this.externalPinning = externalPinning;
        vfio =
                externalPinning
                        ? Sys.vfio(host, "vfio4j.backend.spapr-tce.external-pinning", "true")
                        : Sys.vfio(host);
        for (int i = 0; i < procs.length; i++) {
            procs[i] = spawnProcess();
        }
        ctrs[0] = new Ctr();
        ctrs[1] = new Ctr();
        vgpus[0] = new Vgpu(0);
        vgpus[1] = new Vgpu(1);
        attach(0, 0, 0, true);
        register(0, 0, 0);
        register(0, 0, 1);
        OPERATIONS.addAndGet(-3);
    }

    private SimProcess spawnProcess() {
        SimProcess p = host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        p.mmap(RegionSpec.anonymous(RAM, REGIONS * REGION));
        return p;
    }

    /**
     * PowerNV IODA2 table size in system pages (docs/reference/spapr-tce.md §4, written out
     * independently).
     */
    static long tablePages(int p, long w, int n, int s) {
        int e = 63 - Long.numberOfLeadingZeros(w) - p;
        long b = Math.max(4096, 1L << (e + 3));
        long c = Math.max(1L << ((e + n - 1) / n + 3), 1L << s);
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (b + c - 1) / c * c;
            b = Math.max((b / c) * 8, c);
        }
        return (2 * sum) >> s;
    }

    // ------------------------------------------------------------------ helpers

    private Errno call(Runnable r) {
        return call(r, false);
    }

    /**
     * Runs one call. A refusal must leave no trace, except that a MAP, UNMAP or CREATE that got
     * past its first checks has created the pending default window (docs/reference/spapr-tce.md §2
     * MAP step 3: the kernel does so before it looks at the rest); the model accounts for that
     * window.
     */
    private Errno call(Runnable r, boolean materializesDefault) {
        CALLS.incrementAndGet();
        SystemSnapshot before = SystemSnapshot.of(vfio);
        try {
            r.run();
            return null;
        } catch (VfioException e) {
            REFUSALS.incrementAndGet();
            if (materializesDefault) {
                return e.errno();
            }
            SystemSnapshot after = SystemSnapshot.of(vfio);
            assertThat(after)
                    .as(
                            "refused with "
                                    + e.getMessage()
                                    + " but left a trace:\n"
                                    + before.diff(after))
                    .isEqualTo(before);
            return e.errno();
        }
    }

    private Ctr ctr(int c) {
        return ctrs[Math.floorMod(c, ctrs.length)];
    }

    private SimProcess proc(int p) {
        return procs[Math.floorMod(p, procs.length)];
    }

    private static SimAddressSpace mm(SimProcess p) {
        return p.simAddressSpace().orElse(null);
    }

    /** A caller other than the owner, once the mm is cached: EPERM. */
    private boolean foreign(Ctr ctr, SimProcess p) {
        return ctr.owner != null && mm(p) != ctr.owner;
    }

    /**
     * What an mm-setting call (REGISTER, CREATE, REMOVE) gets before its own checks: EPERM from a
     * foreign caller, ESRCH from a caller without an address space when none is cached yet.
     */
    private Errno mmSetError(Ctr ctr, SimProcess p) {
        if (foreign(ctr, p)) {
            return Errno.EPERM;
        }
        return ctr.owner == null && mm(p) == null ? Errno.ESRCH : null;
    }

    private void claim(Ctr ctr, SimProcess p) {
        if (ctr.owner == null && mm(p) != null) {
            ctr.owner = mm(p);
        }
    }

    private Ctr ctrOf(VfioContainer c) {
        for (Ctr x : ctrs) {
            if (x.c == c) {
                return x;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ actions

    void attach(int g, int c, int p, boolean cancelDefault) {
        OPERATIONS.incrementAndGet();
        VfioGroup group = vfio.group(1 + Math.floorMod(g, 3));
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (group.container().isPresent() || !pr.isAlive()) {
            return;
        }
        boolean fresh = ctr.c.groups().isEmpty();
        if (call(() -> group.setContainer(pr, ctr.c)) != null) {
            return;
        }
        if (ctr.c.backendName().isEmpty()) {
            assertThat(call(() -> ctr.c.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2)))
                    .isNull();
        }
        if (fresh) {
            ctr.pendingDefault = true;
            if (cancelDefault) {
                // As QEMU does: remove the default window before it exists (caches the mm).
                assertThat(call(() -> ctr.c.ioctl(pr, SpaprTceRemove.of(0)))).isNull();
                claim(ctr, pr);
                ctr.pendingDefault = false;
            }
        }
    }

    void detach(int g) {
        OPERATIONS.incrementAndGet();
        VfioGroup group = vfio.group(1 + Math.floorMod(g, 3));
        if (group.container().isEmpty()) {
            return;
        }
        Ctr ctr = ctrOf(group.container().get());
        boolean last = ctr.c.groups().size() == 1;
        assertThat(call(group::unsetContainer)).isNull();
        if (last) {
            ctr.reset();
        } else {
            ctr.tces.clear(); // detach clears every window (docs/reference/spapr-tce.md §7 Q8)
        }
    }

    void register(int c, int p, int k) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        int r = Math.floorMod(k, REGIONS);
        Errno refused = mmSetError(ctr, pr);
        Errno e = call(() -> ctr.c.ioctl(pr, SpaprRegisterMemory.of(RAM + r * REGION, REGION)));
        if (refused != null) {
            assertThat(e).as("REGISTER by a foreign or exited process").isEqualTo(refused);
            return;
        }
        claim(ctr, pr);
        if (ctr.regs.contains(r)) {
            assertThat(e).as("REGISTER twice").isEqualTo(Errno.EBUSY);
            return;
        }
        assertThat(e).as("REGISTER region %d", r).isNull();
        ctr.regs.add(r);
        ctr.enabled = true;
    }

    void unregister(int c, int p, int k) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        int r = Math.floorMod(k, REGIONS);
        Errno e = call(() -> ctr.c.ioctl(pr, SpaprUnregisterMemory.of(RAM + r * REGION, REGION)));
        if (ctr.owner == null || foreign(ctr, pr)) {
            assertThat(e).as("UNREGISTER without or by a foreign owner").isEqualTo(Errno.EPERM);
            return;
        }
        if (!ctr.regs.contains(r)) {
            assertThat(e).as("UNREGISTER of a region not registered here").isEqualTo(Errno.ENOENT);
            return;
        }
        boolean lastRef = references(ctr.owner, r) == 1;
        boolean inUse = tces(ctr.owner, r) > 0 || pins(ctr.owner, r) > 0;
        if (lastRef && inUse) {
            assertThat(e).as("UNREGISTER while TCEs map into it").isEqualTo(Errno.EBUSY);
            return;
        }
        assertThat(e).isNull();
        ctr.regs.remove(r);
    }

    void create(int c, int p, int shiftChoice, int sizeChoice, int levels) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        int shift = shiftChoice % 2 == 0 ? 12 : 16;
        long size = sizeChoice % 2 == 0 ? 256 * MiB : 1L << 30;
        int lv = 1 + Math.floorMod(levels, 2);
        Errno[] err = new Errno[1];
        boolean materializes = ctr.pendingDefault && mmSetError(ctr, pr) == null;
        Object[] out = new Object[1];
        err[0] =
                call(
                        () -> out[0] = ctr.c.ioctl(pr, SpaprTceCreate.of(shift, size, lv)),
                        materializes);
        Long start = (Long) out[0];
        Errno refused = mmSetError(ctr, pr);
        if (refused != null) {
            assertThat(err[0]).as("CREATE by a foreign or exited process").isEqualTo(refused);
            return;
        }
        claim(ctr, pr);
        if (ctr.pendingDefault) {
            ctr.wins[0] = new Win(0, 12, 2L << 30, 1);
            ctr.pendingDefault = false;
        }
        int slot = ctr.wins[0] == null ? 0 : ctr.wins[1] == null ? 1 : -1;
        if (slot < 0) {
            assertThat(err[0]).as("CREATE with both slots used").isEqualTo(Errno.ENOSPC);
            return;
        }
        assertThat(err[0]).as("CREATE shift %d size 0x%x levels %d", shift, size, lv).isNull();
        assertThat(start).isEqualTo(slot == 0 ? 0L : SLOT1);
        ctr.wins[slot] = new Win(start, shift, size, lv);
    }

    void remove(int c, int p, int slot) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        int s = Math.floorMod(slot, 2);
        long start = s == 0 ? 0 : SLOT1;
        Errno refused = mmSetError(ctr, pr);
        Errno e = call(() -> ctr.c.ioctl(pr, SpaprTceRemove.of(start)));
        if (refused != null) {
            assertThat(e).as("REMOVE by a foreign or exited process").isEqualTo(refused);
            return;
        }
        claim(ctr, pr);
        if (s == 0 && ctr.pendingDefault) {
            assertThat(e).isNull();
            ctr.pendingDefault = false;
            return;
        }
        Win w = ctr.wins[s];
        if (w == null) {
            assertThat(e).as("REMOVE of no window").isEqualTo(Errno.EINVAL);
            return;
        }
        assertThat(e).isNull();
        ctr.clearWindow(w);
        ctr.wins[s] = null;
    }

    void map(int c, int p, int slot, int entry, int k, int pageOff, int npages, boolean rw) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        int r = Math.floorMod(k, REGIONS);
        long off = Math.floorMod(pageOff, REGION / P);
        // may run on into the next region(s), or past the last one into memory never registered
        long n = Math.max(1, npages);
        long vaddr = RAM + r * REGION + off * P;
        long base = Math.floorMod(slot, 2) == 0 ? 0 : SLOT1;
        long iova = base + Math.floorMod(entry, 64) * P;
        long size = n * P;
        boolean materializes = ctr.pendingDefault && ctr.enabled && !foreign(ctr, pr);
        Errno e =
                call(
                        () ->
                                ctr.c.ioctl(
                                        pr,
                                        MapDma.of(
                                                vaddr,
                                                iova,
                                                size,
                                                rw ? MapDma.READ | MapDma.WRITE : MapDma.READ)),
                        materializes);
        if (foreign(ctr, pr) || !ctr.enabled) {
            assertThat(e).as("MAP by a foreign process or before REGISTER").isEqualTo(Errno.EPERM);
            return;
        }
        if (ctr.pendingDefault) {
            ctr.wins[0] = new Win(0, 12, 2L << 30, 1);
            ctr.pendingDefault = false;
        }
        Win w = window(ctr, iova);
        int last = (int) ((vaddr + size - 1 - RAM) / REGION);
        // Every region the range touches must be alive before the MAP: one kept only by TCEs
        // that this MAP replaces still counts (the MAP is judged on where it ends, S-2).
        boolean ok = w != null && w.holds(iova, size);
        for (int x = r; ok && x <= last; x++) {
            ok = alive(ctr.owner, x);
        }
        if (!ok) {
            assertThat(e).as("MAP [0x%x, +0x%x) from region %d", iova, size, r).isNotNull();
            return;
        }
        assertThat(e).as("MAP [0x%x, +0x%x) from region %d", iova, size, r).isNull();
        long ps = 1L << w.shift;
        for (long a = iova; a != iova + size; a += ps) {
            ctr.tces.put(a, (int) ((vaddr + (a - iova) - RAM) / REGION));
        }
    }

    void unmap(int c, int p, int slot, int entry, int npages) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        long base = Math.floorMod(slot, 2) == 0 ? 0 : SLOT1;
        long iova = base + Math.floorMod(entry, 64) * P;
        long size = Math.max(1, npages) * P;
        boolean materializes = ctr.pendingDefault && ctr.enabled && !foreign(ctr, pr);
        Errno e = call(() -> ctr.c.ioctl(pr, UnmapDma.of(iova, size)), materializes);
        if (foreign(ctr, pr) || !ctr.enabled) {
            assertThat(e)
                    .as("UNMAP by a foreign process or before REGISTER")
                    .isEqualTo(Errno.EPERM);
            return;
        }
        if (ctr.pendingDefault) {
            ctr.wins[0] = new Win(0, 12, 2L << 30, 1);
            ctr.pendingDefault = false;
        }
        Win w = window(ctr, iova);
        if (w == null || !w.holds(iova, size)) {
            assertThat(e).isNotNull();
            return;
        }
        assertThat(e).isNull();
        ctr.tces.subMap(iova, true, iova + size - 1, true).clear();
    }

    private static Win window(Ctr ctr, long iova) {
        for (Win w : ctr.wins) {
            if (w != null && w.holds(iova, 1)) {
                return w;
            }
        }
        return null;
    }

    void plug(int v, int c, int p) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        Ctr ctr = ctr(c);
        SimProcess pr = proc(p);
        if (vg.group != null || ctr.c.backendName().isEmpty()) {
            return;
        }
        vg.group = vfio.createVirtualGroup(GroupKind.EMULATED, vg.name, vg.vendor);
        Errno e = call(() -> vg.group.setContainer(pr, ctr.c));
        if (!externalPinning) {
            assertThat(e).as("emulated group without external-pinning").isEqualTo(Errno.EINVAL);
        }
        if (e != null) {
            vfio.removeVirtualGroup(vg.group);
            vg.group = null;
            return;
        }
        assertThat(call(() -> vg.group.openDevice(vg.name))).isNull();
    }

    void unplug(int v) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        if (vg.group == null) {
            return;
        }
        VfioDevice d = vg.group.device(vg.name);
        if (d.isOpen()) {
            d.close();
        }
        vg.regionOfPin.clear();
        vg.mmOfPin.clear();
        if (vg.group.container().isPresent()) {
            Ctr ctr = ctrOf(vg.group.container().get());
            boolean last = ctr.c.groups().size() == 1;
            assertThat(call(vg.group::unsetContainer)).isNull();
            if (last) {
                ctr.reset();
            }
        }
        vfio.removeVirtualGroup(vg.group);
        vg.group = null;
    }

    void pin(int v, int pick, boolean write) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        if (vg.group == null || vg.group.container().isEmpty() || !vg.vendor.isOpen()) {
            return;
        }
        Ctr ctr = ctrOf(vg.group.container().get());
        if (ctr.tces.isEmpty()) {
            return;
        }
        long iova =
                ctr.tces.keySet().stream()
                        .skip(Math.floorMod(pick, ctr.tces.size()))
                        .findFirst()
                        .orElseThrow();
        long page = iova & ~(P - 1);
        Integer r = ctr.tces.get(page);
        if (call(() -> vg.vendor.pin(page, 1, write ? 3 : 1)) == null) {
            vg.regionOfPin.put(page, r);
            vg.mmOfPin.put(page, ctr.owner);
        }
    }

    void unpin(int v, int pick) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        if (!vg.vendor.isOpen()) {
            return;
        }
        vg.vendor.pinnedAt(pick).ifPresent(io -> call(() -> vg.vendor.unpinHeld(io, 1)));
    }

    void exit(int p) {
        OPERATIONS.incrementAndGet();
        proc(p).exit();
    }

    void spawn(int p) {
        OPERATIONS.incrementAndGet();
        int i = Math.floorMod(p, procs.length);
        if (!procs[i].isAlive()) {
            procs[i] = spawnProcess();
        }
    }

    // ------------------------------------------------------------------ the model

    private long references(SimAddressSpace mm, int r) {
        long n = 0;
        for (Ctr c : ctrs) {
            if (c.owner == mm && c.regs.contains(r)) {
                n++;
            }
        }
        return n;
    }

    private long tces(SimAddressSpace mm, int r) {
        long n = 0;
        for (Ctr c : ctrs) {
            if (c.owner == mm) {
                n += c.tces.values().stream().filter(x -> x == r).count();
            }
        }
        return n;
    }

    private long pins(SimAddressSpace mm, int r) {
        long n = 0;
        for (Vgpu vg : vgpus) {
            for (long iova : vg.vendor.pinnedIovas()) {
                if (vg.mmOfPin.get(iova) == mm && vg.regionOfPin.get(iova) == r) {
                    n++;
                }
            }
        }
        return n;
    }

    private boolean alive(SimAddressSpace mm, int r) {
        return mm != null && (references(mm, r) > 0 || tces(mm, r) > 0 || pins(mm, r) > 0);
    }

    void check() {
        assertThat(vfio.invariants().check()).isEmpty();
        Map<SimAddressSpace, Long> expected = new IdentityHashMap<>();
        java.util.Set<SimAddressSpace> owners =
                java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Ctr c : ctrs) {
            if (c.owner == null) {
                continue;
            }
            owners.add(c.owner);
            for (Win w : c.wins) {
                if (w != null) {
                    expected.merge(c.owner, w.pages(), Long::sum);
                }
            }
        }
        for (SimAddressSpace mm : owners) {
            for (int r = 0; r < REGIONS; r++) {
                if (alive(mm, r)) {
                    expected.merge(mm, REGION / P, Long::sum);
                }
            }
        }
        for (SimProcess p : procs) {
            SimAddressSpace mm = mm(p);
            if (mm != null) {
                assertThat(mm.lockedVm())
                        .as("locked_vm of pid %d (docs/reference/spapr-tce.md §4)", p.pid())
                        .isEqualTo(expected.getOrDefault(mm, 0L));
            }
        }
        for (Ctr c : ctrs) {
            c.c.state()
                    .ifPresent(
                            s -> {
                                long windows =
                                        (c.wins[0] == null ? 0 : 1) + (c.wins[1] == null ? 0 : 1);
                                assertThat(s.details().get("windows"))
                                        .as("windows of " + c.c)
                                        .isEqualTo(windows);
                                assertThat(s.details().get("registeredRegions"))
                                        .isEqualTo((long) c.regs.size());
                                assertThat(s.mappings())
                                        .as("live TCEs of " + c.c)
                                        .isEqualTo((long) c.tces.size());
                            });
        }
    }

    @Override
    public String toString() {
        return "SPAPR world" + (externalPinning ? " with external pinning" : "");
    }
}
