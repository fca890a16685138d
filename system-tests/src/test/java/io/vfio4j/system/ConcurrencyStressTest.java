package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.type1.Type1Provider;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrency stress on one type1 container shared by two VMM processes: vendor threads pin and
 * unpin (holding their own lock across the pin, as i915 GVT-g does, and taking it again in the
 * DMA-unmap callback, which unpins from inside the callback), userspace threads map and unmap, and
 * a hot-plug thread plugs and unplugs a passthrough group (replay and re-account) and a third
 * mdev-like device. Every wait is bounded; on a timeout the failure message carries a thread dump.
 * When the threads are joined the invariant checker must be clean, and tearing everything down must
 * bring locked_vm and every frame pin back to zero.
 *
 * <p>Default: 2 seconds. {@code -Dvfio4j.long=true}: 60 seconds.
 */
class ConcurrencyStressTest {
    static final long RAM = 0x10_0000_0000L;
    static final long SLOT_PAGES = 64;
    static final long P = 4096;
    static final int SLOTS_PER_PROCESS = 8;

    private final SimHost host = Sys.x86(3);
    private final Vfio vfio = Sys.vfio(host);
    private final SimProcess a = spawn();
    private final SimProcess b = spawn();
    private final VfioContainer c = vfio.openContainer();
    private final TestVendor[] vendors = {new TestVendor(P), new TestVendor(P)};

    /** Slots (index) mapped now; userspace removes a slot here before it unmaps it. */
    private final ConcurrentHashMap<Integer, Boolean> mapped = new ConcurrentHashMap<>();

    private final StressRun stress = new StressRun();

    private SimProcess spawn() {
        SimProcess p =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .memlockLimitBytes(1L << 30)
                                .capIpcLock(false)
                                .build());
        p.mmap(RegionSpec.anonymous(RAM, 2 * SLOTS_PER_PROCESS * SLOT_PAGES * P));
        return p;
    }

    private static long iova(int slot) {
        return 0x4000_0000L + slot * SLOT_PAGES * P;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void vendorsUserspaceAndHotPlugRaceWithoutDeadlockOrBrokenInvariants() throws Exception {
        VfioGroup g1 = vfio.group(1);
        g1.setContainer(a, c);
        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        List<VfioGroup> vgpuGroups = new ArrayList<>();
        for (int i = 0; i < vendors.length; i++) {
            VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-" + i, vendors[i]);
            g.setContainer(i == 0 ? a : b, c);
            g.openDevice("vgpu-" + i);
            vgpuGroups.add(g);
        }

        List<Thread> threads = new ArrayList<>();
        for (SimProcess p : List.of(a, b)) {
            int first = p == a ? 0 : SLOTS_PER_PROCESS;
            threads.add(
                    stress.worker(
                            "userspace-" + p.pid(),
                            () -> {
                                int slot =
                                        first
                                                + ThreadLocalRandom.current()
                                                        .nextInt(SLOTS_PER_PROCESS);
                                long vaddr = RAM + slot * SLOT_PAGES * P;
                                if (mapped.remove(slot) != null) {
                                    stress.op(
                                            () ->
                                                    c.ioctl(
                                                            p,
                                                            UnmapDma.of(
                                                                    iova(slot), SLOT_PAGES * P)));
                                } else {
                                    stress.op(
                                            () -> {
                                                c.ioctl(
                                                        p,
                                                        MapDma.rw(
                                                                vaddr, iova(slot), SLOT_PAGES * P));
                                                mapped.put(slot, true);
                                            });
                                }
                            }));
        }
        for (TestVendor v : vendors) {
            threads.add(
                    stress.worker(
                            "vendor-" + threads.size(),
                            () -> {
                                ThreadLocalRandom r = ThreadLocalRandom.current();
                                if (r.nextInt(3) == 0) {
                                    v.pinnedAt(r.nextInt(1000))
                                            .ifPresent(io -> stress.op(() -> v.unpinHeld(io, 1)));
                                    return;
                                }
                                int slot = r.nextInt(2 * SLOTS_PER_PROCESS);
                                if (!mapped.containsKey(slot)) {
                                    return;
                                }
                                long io = iova(slot) + r.nextLong(SLOT_PAGES - 4) * P;
                                stress.op(() -> v.pin(io, 1 + r.nextInt(4), DmaProt.RW));
                            }));
        }
        TestVendor hot = new TestVendor(P);
        threads.add(
                stress.worker(
                        "hot-plug",
                        () -> {
                            VfioGroup g2 = vfio.group(2);
                            stress.op(() -> g2.setContainer(b, c)); // replay when g1 is out
                            stress.op(g2::unsetContainer);
                            stress.op(g1::unsetContainer); // re-account while the vgpus hold pins
                            stress.op(() -> g1.setContainer(a, c));
                            VfioGroup g =
                                    vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-hot", hot);
                            stress.op(() -> g.setContainer(a, c));
                            stress.op(() -> g.openDevice("vgpu-hot"));
                            if (hot.isOpen()) {
                                stress.op(() -> hot.pin(iova(0), 2, DmaProt.RW));
                                g.device("vgpu-hot").close();
                            }
                            stress.op(g::unsetContainer);
                            vfio.removeVirtualGroup(g);
                        }));

        double seconds = stress.run(threads, Sys.LONG ? 60_000 : 2_000);
        assertThat(vfio.invariants().check()).as("invariants at the quiescent point").isEmpty();
        assertThat(stress.operations()).isGreaterThan(100);

        // Tear down: every pin and every charge must come back.
        for (int i = 0; i < vendors.length; i++) {
            vgpuGroups.get(i).device("vgpu-" + i).close();
        }
        c.ioctl(a, UnmapDma.all());
        for (VfioGroup g : c.groups()) {
            g.unsetContainer();
        }
        assertThat(host.memory().totalPins()).isZero();
        assertThat(a.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(b.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(vfio.vendorLeaks()).isEmpty();
        assertThat(vfio.invariants().check()).isEmpty();
        Figures.record(
                "ConcurrencyStressTest",
                String.format(
                        java.util.Locale.ROOT,
                        "%d threads, %d operations (%d refused), %d invariant checks, %.1f s",
                        threads.size(),
                        stress.operations(),
                        stress.refusals(),
                        vfio.invariants().checks(),
                        seconds));
    }

    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            sb.append(info.toString());
        }
        long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        if (deadlocked != null) {
            sb.append("deadlocked thread ids: ").append(java.util.Arrays.toString(deadlocked));
        }
        return sb.toString();
    }
}
