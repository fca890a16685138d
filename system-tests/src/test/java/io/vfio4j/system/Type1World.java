package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
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
import io.vfio4j.type1.Type1Provider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A whole type1 system driven by random actions: two VMM process slots (spawn, exit, exec with the
 * VADDR live-update flow), two containers shared by both processes, three passthrough IOMMU groups
 * (hot plug/unplug with replay and re-account), three mdev-like devices in emulated groups whose
 * vendor pins and unpins and answers DMA-unmap callbacks, maps and unmaps.
 *
 * <p>After every action {@link #check()} compares {@code locked_vm} of every live address space
 * with the reference model of docs/reference/type1-mdev.md §4.3 (per mapping: its non-reserved
 * pages while the container has an IOMMU domain, else its distinct externally pinned pages), and
 * the invariant checker must be clean. Every refused call must leave the whole {@link
 * SystemSnapshot} unchanged.
 */
final class Type1World {
    /** Actions run (tries x actions). */
    static final AtomicLong OPERATIONS = new AtomicLong();

    /** Calls into the runtime (an action makes zero or more). */
    static final AtomicLong CALLS = new AtomicLong();

    static final AtomicLong REFUSALS = new AtomicLong();
    static final Map<String, AtomicLong> SUCCESSES =
            new java.util.concurrent.ConcurrentSkipListMap<>();

    static void success(String what) {
        SUCCESSES.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    static final long REGION_STRIDE = 0x1000_0000L;
    static final long[] REGION_SIZE = {4 * MiB, 4 * MiB, 256 * 1024};
    static final long SLOT_STRIDE = 0x4000_0000L;
    static final long[] LIMITS = {4 * MiB, 16 * MiB, 64 * MiB};
    static final long P = 4096;

    final SimHost host = Sys.x86(3);
    final Vfio vfio = Sys.vfio(host);
    final Proc[] procs = new Proc[2];
    final Ctr[] ctrs = new Ctr[2];
    final Vgpu[] vgpus = new Vgpu[3];
    private int generation;

    /** A process slot. */
    final class Proc {
        SimProcess p;
        long base;

        Proc(int limitChoice, boolean cap) {
            p =
                    host.spawnProcess(
                            ProcessSpec.builder()
                                    .memlockLimitBytes(LIMITS[limitChoice % LIMITS.length])
                                    .capIpcLock(cap)
                                    .build());
            mapRegions();
        }

        void mapRegions() {
            base = 0x10_0000_0000L + (long) generation++ * 0x100_0000_0000L;
            p.mmap(RegionSpec.anonymous(base, REGION_SIZE[0]));
            p.mmap(RegionSpec.thp(base + REGION_STRIDE, REGION_SIZE[1]));
            p.mmap(RegionSpec.device(base + 2 * REGION_STRIDE, REGION_SIZE[2]));
        }

        SimAddressSpace mm() {
            return p.simAddressSpace().orElse(null);
        }
    }

    /** One DMA mapping as the model knows it. */
    static final class Mapping {
        final long iova;
        final long size;
        final int region;
        final long pageOff;
        SimAddressSpace owner;
        boolean invalid;

        Mapping(long iova, long size, int region, long pageOff, SimAddressSpace owner) {
            this.iova = iova;
            this.size = size;
            this.region = region;
            this.pageOff = pageOff;
            this.owner = owner;
        }

        long ramPages() {
            return region == 2 ? 0 : size / P;
        }

        boolean inside(long from, long lastByte) {
            return Long.compareUnsigned(iova, from) >= 0
                    && Long.compareUnsigned(iova + size - 1, lastByte) <= 0;
        }

        boolean overlaps(long from, long lastByte) {
            return Long.compareUnsigned(iova, lastByte) <= 0
                    && Long.compareUnsigned(from, iova + size - 1) <= 0;
        }
    }

    /** A container and the mappings the model expects in it. */
    final class Ctr {
        final VfioContainer c = vfio.openContainer();
        final List<Mapping> maps = new ArrayList<>();

        boolean hasDomain() {
            return c.groups().stream().anyMatch(g -> g.kind() == GroupKind.IOMMU);
        }

        boolean hasEmulated() {
            return c.groups().stream().anyMatch(g -> g.kind() == GroupKind.EMULATED);
        }
    }

    /** An mdev-like device: a vendor in an emulated group, created on plug. */
    final class Vgpu {
        final String name;
        final TestVendor vendor = new TestVendor(P);
        VfioGroup group;

        Vgpu(int index) {
            name = "vgpu-" + index;
        }

        Ctr ctr() {
            if (group == null || group.container().isEmpty()) {
                return null;
            }
            VfioContainer c = group.container().get();
            for (Ctr x : ctrs) {
                if (x.c == c) {
                    return x;
                }
            }
            return null;
        }
    }

    Type1World() {
        procs[0] = new Proc(1, false);
        procs[1] = new Proc(0, false);
        ctrs[0] = new Ctr();
        ctrs[1] = new Ctr();
        for (int i = 0; i < vgpus.length; i++) {
            vgpus[i] = new Vgpu(i);
        }
        // A running start: c0 has passthrough group 1 and guest RAM mapped, c1 has vgpu-0 and
        // guest RAM mapped (no domain). Actions then change everything, this included.
        attachGroup(0, 0, 0, true);
        map(0, 0, 0, 0, 256, 0, MapDma.READ | MapDma.WRITE);
        plugVgpu(0, 1, 0);
        map(1, 0, 0, 256, 256, 1, MapDma.READ | MapDma.WRITE);
        map(1, 1, 1, 0, 512, 2, MapDma.READ | MapDma.WRITE);
        OPERATIONS.addAndGet(-5);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Runs one call; a refusal must leave no trace. Returns true if it succeeded, false if it was
     * refused with a {@link VfioException} (other errors fail the property).
     */
    boolean attempt(Runnable call) {
        CALLS.incrementAndGet();
        SystemSnapshot before = SystemSnapshot.of(vfio);
        try {
            call.run();
            return true;
        } catch (VfioException e) {
            REFUSALS.incrementAndGet();
            SystemSnapshot after = SystemSnapshot.of(vfio);
            // A refusal after pins were taken unwinds them as the kernel does: writable frames
            // come back dirty (docs/deviations.md T1-9), and nothing else changes.
            before.assertNoTrace(after, true, "refused with " + e.getMessage() + " but");
            return false;
        }
    }

    <T> T attemptGet(Supplier<T> call) {
        Object[] out = new Object[1];
        return attempt(() -> out[0] = call.get()) ? castOut(out[0]) : null;
    }

    @SuppressWarnings("unchecked")
    private static <T> T castOut(Object o) {
        return (T) o;
    }

    private Errno refusal(Runnable call) {
        CALLS.incrementAndGet();
        SystemSnapshot before = SystemSnapshot.of(vfio);
        try {
            call.run();
            return null;
        } catch (VfioException e) {
            REFUSALS.incrementAndGet();
            assertThat(SystemSnapshot.of(vfio)).as(e.getMessage()).isEqualTo(before);
            return e.errno();
        }
    }

    private Proc proc(int i) {
        Proc pr = procs[Math.floorMod(i, procs.length)];
        return pr.p.isAlive() ? pr : null;
    }

    private boolean ensureBackend(Ctr ctr) {
        if (ctr.c.backendName().isPresent()) {
            return true;
        }
        return attempt(() -> ctr.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2));
    }

    // ------------------------------------------------------------------ actions

    void spawn(int slot, int limitChoice, boolean cap) {
        OPERATIONS.incrementAndGet();
        int i = Math.floorMod(slot, procs.length);
        if (!procs[i].p.isAlive()) {
            procs[i] = new Proc(limitChoice, cap);
        }
    }

    void exit(int slot) {
        OPERATIONS.incrementAndGet();
        Proc pr = proc(slot);
        if (pr != null) {
            pr.p.exit();
        }
    }

    void map(int c, int slot, int region, int pageOff, int npages, int iovaSlot, int prot) {
        OPERATIONS.incrementAndGet();
        Proc pr = proc(slot);
        Ctr ctr = ctrs[Math.floorMod(c, ctrs.length)];
        if (pr == null || ctr.c.backendName().isEmpty()) {
            return;
        }
        int r = Math.floorMod(region, 3);
        long regionPages = REGION_SIZE[r] / P;
        long off = Math.floorMod(pageOff, regionPages);
        long n = Math.max(1, Math.min(npages, regionPages - off));
        long vaddr = pr.base + r * REGION_STRIDE + off * P;
        long iova = Math.floorMod(iovaSlot, 3) * SLOT_STRIDE + r * REGION_STRIDE + off * P;
        long size = n * P;
        boolean overlap = ctr.maps.stream().anyMatch(m -> m.overlaps(iova, iova + size - 1));
        Errno e = refusal(() -> ctr.c.ioctl(pr.p, MapDma.of(vaddr, iova, size, prot)));
        if (overlap) {
            assertThat(e).as("map over an existing mapping").isEqualTo(Errno.EEXIST);
        }
        if (e == null) {
            success(ctr.hasDomain() ? "map with domain" : "map without domain");
            ctr.maps.add(new Mapping(iova, size, r, off, pr.mm()));
        }
    }

    void unmap(int c, int pick, int mode) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctrs[Math.floorMod(c, ctrs.length)];
        if (ctr.maps.isEmpty() || ctr.c.backendName().isEmpty()) {
            return;
        }
        Mapping m = ctr.maps.get(Math.floorMod(pick, ctr.maps.size()));
        long from;
        long size;
        switch (Math.floorMod(mode, 3)) {
            case 0 -> {
                from = m.iova;
                size = m.size;
            }
            case 1 -> {
                from = m.iova;
                size = 2 * SLOT_STRIDE;
            }
            default -> {
                from = m.iova + P;
                size = m.size;
            }
        }
        long last = from + size - 1;
        boolean bisects =
                ctr.maps.stream().anyMatch(x -> x.overlaps(from, last) && !x.inside(from, last));
        long expected =
                ctr.maps.stream().filter(x -> x.inside(from, last)).mapToLong(x -> x.size).sum();
        UnmapDma.Result res = attemptGet(() -> ctr.c.ioctl(procs[0].p, UnmapDma.of(from, size)));
        if (bisects) {
            assertThat(res).as("a v2 unmap that bisects a mapping must be refused").isNull();
            return;
        }
        assertThat(res).as("unmap [0x%x, 0x%x]", from, last).isNotNull();
        assertThat(res.unmappedBytes()).isEqualTo(expected);
        if (expected > 0) {
            success("unmap");
        }
        ctr.maps.removeIf(x -> x.inside(from, last));
    }

    void unmapAll(int c) {
        OPERATIONS.incrementAndGet();
        Ctr ctr = ctrs[Math.floorMod(c, ctrs.length)];
        if (ctr.c.backendName().isEmpty()) {
            return;
        }
        long expected = ctr.maps.stream().mapToLong(x -> x.size).sum();
        UnmapDma.Result res = attemptGet(() -> ctr.c.ioctl(procs[1].p, UnmapDma.all()));
        assertThat(res).isNotNull();
        assertThat(res.unmappedBytes()).isEqualTo(expected);
        ctr.maps.clear();
    }

    void attachGroup(int gid, int c, int slot, boolean open) {
        OPERATIONS.incrementAndGet();
        Proc pr = proc(slot);
        Ctr ctr = ctrs[Math.floorMod(c, ctrs.length)];
        VfioGroup g = vfio.group(1 + Math.floorMod(gid, 3));
        if (pr == null || g.container().isPresent()) {
            return;
        }
        boolean replay = !ctr.hasDomain() && !ctr.maps.isEmpty();
        if (!attempt(() -> g.setContainer(pr.p, ctr.c))) {
            return;
        }
        success(replay ? "attach with replay" : "attach");
        if (!ensureBackend(ctr)) {
            attempt(g::unsetContainer);
            afterDetach(ctr);
            return;
        }
        if (open) {
            attempt(() -> g.openDevice(g.devices().get(0).name()));
        }
    }

    void detachGroup(int gid) {
        OPERATIONS.incrementAndGet();
        VfioGroup g = vfio.group(1 + Math.floorMod(gid, 3));
        if (g.container().isEmpty()) {
            return;
        }
        Ctr ctr = ctrOf(g.container().get());
        for (VfioDevice d : g.devices()) {
            if (d.isOpen()) {
                d.close();
            }
        }
        boolean reaccount =
                ctr.hasEmulated()
                        && !ctr.maps.isEmpty()
                        && ctr.c.groups().stream().filter(x -> x.kind() == GroupKind.IOMMU).count()
                                == 1;
        assertThat(attempt(g::unsetContainer)).isTrue();
        success(reaccount ? "detach with re-account" : "detach");
        afterDetach(ctr);
    }

    private Ctr ctrOf(VfioContainer c) {
        for (Ctr x : ctrs) {
            if (x.c == c) {
                return x;
            }
        }
        throw new IllegalStateException("unknown " + c);
    }

    /** docs/reference/type1-mdev.md §4.5 and §3.6: which mappings survive a detach. */
    private void afterDetach(Ctr ctr) {
        if (ctr.c.groups().isEmpty()) {
            ctr.maps.clear(); // the last group left: the backend was released
        }
    }

    void plugVgpu(int v, int c, int slot) {
        OPERATIONS.incrementAndGet();
        Proc pr = proc(slot);
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        Ctr ctr = ctrs[Math.floorMod(c, ctrs.length)];
        if (pr == null || vg.group != null) {
            return;
        }
        vg.group = vfio.createVirtualGroup(GroupKind.EMULATED, vg.name, vg.vendor);
        if (!attempt(() -> vg.group.setContainer(pr.p, ctr.c))) {
            vfio.removeVirtualGroup(vg.group);
            vg.group = null;
            return;
        }
        if (!ensureBackend(ctr)) {
            unplugVgpu(v);
            return;
        }
        if (attempt(() -> vg.group.openDevice(vg.name))) {
            success("mdev plug");
        }
    }

    void unplugVgpu(int v) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        if (vg.group == null) {
            return;
        }
        VfioDevice d = vg.group.device(vg.name);
        if (d.isOpen()) {
            d.close();
        }
        assertThat(vg.vendor.pinnedIovas()).isEmpty();
        Ctr ctr = vg.ctr();
        if (ctr != null) {
            assertThat(attempt(vg.group::unsetContainer)).isTrue();
            afterDetach(ctr);
        }
        vfio.removeVirtualGroup(vg.group);
        vg.group = null;
    }

    void pin(int v, int pick, int pageOff, int npages, int prot) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        Ctr ctr = vg.ctr();
        if (ctr == null || !vg.vendor.isOpen() || ctr.maps.isEmpty()) {
            return;
        }
        Mapping m = ctr.maps.get(Math.floorMod(pick, ctr.maps.size()));
        long pages = m.size / P;
        long off = Math.floorMod(pageOff, pages);
        int n = (int) Math.max(1, Math.min(npages, pages - off + 1)); // may run one page past
        if (attempt(() -> vg.vendor.pin(m.iova + off * P, n, prot))) {
            success(ctr.hasDomain() ? "pin with domain" : "pin without domain");
        }
    }

    void unpin(int v, int pick, int npages) {
        OPERATIONS.incrementAndGet();
        Vgpu vg = vgpus[Math.floorMod(v, vgpus.length)];
        if (!vg.vendor.isOpen()) {
            return;
        }
        vg.vendor
                .pinnedAt(pick)
                .ifPresent(iova -> attempt(() -> vg.vendor.unpinHeld(iova, npages)));
    }

    /**
     * exec of a VMM with live update (docs/reference/type1-mdev.md §2.5): invalidate the vaddrs of
     * every container without emulated groups, exec, map the guest memory again at new addresses,
     * and give every mapping its new vaddr (the charge moves to the new mm). Containers with
     * emulated groups refuse the invalidation (EBUSY); their mappings stay owned by the dead mm.
     */
    void exec(int slot) {
        OPERATIONS.incrementAndGet();
        Proc pr = proc(slot);
        if (pr == null) {
            return;
        }
        for (Ctr ctr : ctrs) {
            if (ctr.c.backendName().isEmpty() || ctr.maps.isEmpty()) {
                continue;
            }
            boolean emulated = ctr.hasEmulated();
            Errno e =
                    refusal(
                            () ->
                                    ctr.c.ioctl(
                                            pr.p,
                                            UnmapDma.of(0, 0, UnmapDma.ALL | UnmapDma.VADDR)));
            if (emulated) {
                assertThat(e).isEqualTo(Errno.EBUSY);
                continue;
            }
            assertThat(e).as("VADDR invalidation of every mapping").isNull();
            ctr.maps.forEach(m -> m.invalid = true);
        }
        pr.p.exec();
        pr.mapRegions();
        SimAddressSpace mm = pr.mm();
        for (Ctr ctr : ctrs) {
            for (Mapping m : new ArrayList<>(ctr.maps)) {
                if (!m.invalid) {
                    continue;
                }
                long vaddr = pr.base + m.region * REGION_STRIDE + m.pageOff * P;
                if (attempt(
                        () -> ctr.c.ioctl(pr.p, MapDma.of(vaddr, m.iova, m.size, MapDma.VADDR)))) {
                    m.owner = mm;
                    m.invalid = false;
                    success("VADDR update after exec");
                } else {
                    // The new mm cannot take the charge: give the mapping up.
                    assertThat(attempt(() -> ctr.c.ioctl(pr.p, UnmapDma.of(m.iova, m.size))))
                            .isTrue();
                    ctr.maps.remove(m);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the model

    /** The reference model of locked_vm, compared with every live address space. */
    void check() {
        assertThat(vfio.invariants().check()).isEmpty();
        Map<SimAddressSpace, Long> expected = new IdentityHashMap<>();
        for (Ctr ctr : ctrs) {
            boolean domain = ctr.hasDomain();
            List<SortedSet<Long>> pins = new ArrayList<>();
            for (Vgpu vg : vgpus) {
                if (vg.ctr() == ctr) {
                    pins.add(vg.vendor.pinnedIovas());
                }
            }
            for (Mapping m : ctr.maps) {
                long pages;
                if (domain) {
                    pages = m.ramPages();
                } else {
                    java.util.Set<Long> distinct = new java.util.HashSet<>();
                    for (SortedSet<Long> s : pins) {
                        distinct.addAll(s.subSet(m.iova, m.iova + m.size));
                    }
                    pages = distinct.size();
                }
                expected.merge(m.owner, pages, Long::sum);
            }
            assertThat(ctr.c.state().map(s -> s.mappings()).orElse(0L))
                    .as("mappings of " + ctr.c)
                    .isEqualTo((long) ctr.maps.size());
            ctr.c.state().ifPresent(s -> assertThat(s.dmaAvail()).isEqualTo(65535 - s.mappings()));
        }
        Map<Long, Long> actual = new HashMap<>();
        for (Proc pr : procs) {
            SimAddressSpace mm = pr.mm();
            if (mm != null) {
                assertThat(mm.lockedVm())
                        .as("locked_vm of pid %d (docs/reference/type1-mdev.md §4.3)", pr.p.pid())
                        .isEqualTo(expected.getOrDefault(mm, 0L));
                actual.put(mm.id(), mm.lockedVm());
            }
        }
        for (SimAddressSpace s : host.addressSpaces()) {
            assertThat(s.underflows()).as("locked_vm underflow of space " + s.id()).isZero();
        }
    }

    @Override
    public String toString() {
        return "type1 world";
    }
}
