package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrency stress on one native {@code /dev/iommu} context, as {@link ConcurrencyStressTest}
 * does for a type1 container: a userspace thread maps and unmaps slots of IOAS A, a copier copies
 * slots into IOAS B and unmaps them there, a vendor thread pins and unpins single pages through an
 * emulated device's access on A (holding its own lock across a pin and taking it again in the unmap
 * callback, which unpins from inside it), and a hot-plug thread attaches and detaches a passthrough
 * device and makes, reads and destroys a dirty-tracking HWPT. Every wait is bounded; when the
 * threads are joined the invariant checker must be clean, and tearing everything down must bring
 * pinned_vm, the user's locked_vm and every frame pin back to zero.
 *
 * <p>Default: 2 seconds. {@code -Dvfio4j.long=true}: 60 seconds.
 */
class IommufdNativeConcurrencyStressTest {
    static final long RAM = 0x10_0000_0000L;
    static final long SLOT_PAGES = 64;
    static final long P = 4096;
    static final int SLOTS = 8;

    private final SimHost host = Sys.x86(0);
    private final StressRun stress = new StressRun();
    private final ConcurrentHashMap<Integer, Boolean> mapped = new ConcurrentHashMap<>();

    private static long iova(int slot) {
        return 0x4000_0000L + slot * SLOT_PAGES * P;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void mapCopyAccessAndHotPlugRaceWithoutDeadlockOrBrokenInvariants() throws Exception {
        host.addIommuGroup(IommuGroupSpec.builder().id(1).dirtyTracking(true).build());
        SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        qemu.mmap(RegionSpec.anonymous(RAM, SLOTS * SLOT_PAGES * P));
        Vfio vfio = Sys.vfio(host);
        IommuContext ctx = vfio.openIommuContext();
        int a = ctx.ioasAlloc();
        int b = ctx.ioasAlloc();
        TestVendor vendor = new TestVendor(P);
        VfioGroup vg = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", vendor);
        VfioDevice vgpu = vg.device("vgpu-0");
        ctx.attach(ctx.bindEmulated(vgpu), a);
        int d1 = ctx.bind(host.iommuGroup(1).orElseThrow().devices().get(0));

        List<Thread> threads = new ArrayList<>();
        threads.add(
                stress.worker(
                        "userspace",
                        () -> {
                            int slot = ThreadLocalRandom.current().nextInt(SLOTS);
                            if (mapped.remove(slot) != null) {
                                stress.op(() -> ctx.ioasUnmap(a, iova(slot), SLOT_PAGES * P));
                            } else {
                                stress.op(
                                        () -> {
                                            ctx.ioasMap(
                                                    qemu,
                                                    IoasMap.fixed(
                                                            a,
                                                            RAM + slot * SLOT_PAGES * P,
                                                            iova(slot),
                                                            SLOT_PAGES * P));
                                            mapped.put(slot, true);
                                        });
                            }
                        }));
        threads.add(
                stress.worker(
                        "copier",
                        () -> {
                            int slot = ThreadLocalRandom.current().nextInt(SLOTS);
                            stress.op(
                                    () ->
                                            ctx.ioasCopy(
                                                    qemu,
                                                    new IoasCopy(
                                                            b,
                                                            a,
                                                            IoasMap.FIXED_IOVA | IoasMap.RW,
                                                            SLOT_PAGES * P,
                                                            iova(slot),
                                                            iova(slot))));
                            stress.op(() -> ctx.ioasUnmap(b, iova(slot), SLOT_PAGES * P));
                        }));
        threads.add(
                stress.worker(
                        "vendor",
                        () -> {
                            ThreadLocalRandom r = ThreadLocalRandom.current();
                            if (r.nextInt(3) == 0) {
                                vendor.pinnedAt(r.nextInt(1000))
                                        .ifPresent(io -> stress.op(() -> vendor.unpinHeld(io, 1)));
                                return;
                            }
                            int slot = r.nextInt(SLOTS);
                            long io = iova(slot) + r.nextLong(SLOT_PAGES) * P;
                            // Single pages: iommufd unpins exact ranges, and this vendor unpins
                            // page by page (docs/reference/iommufd.md §6 X6).
                            stress.op(() -> vendor.pin(io, 1, DmaProt.RW));
                        }));
        threads.add(
                stress.worker(
                        "hot-plug",
                        () -> {
                            stress.op(() -> ctx.attach(d1, a));
                            stress.op(() -> ctx.detach(d1));
                            int[] h = {0};
                            stress.op(
                                    () ->
                                            h[0] =
                                                    ctx.hwptAlloc(
                                                            d1,
                                                            a,
                                                            NativeIommuOps.HWPT_DIRTY_TRACKING));
                            if (h[0] != 0) {
                                stress.op(() -> ctx.hwptSetDirtyTracking(h[0], 1));
                                stress.op(
                                        () ->
                                                ctx.hwptGetDirtyBitmap(
                                                        HwptDirtyBitmap.of(
                                                                h[0],
                                                                iova(0),
                                                                SLOTS * SLOT_PAGES * P,
                                                                P)));
                                stress.op(() -> ctx.destroy(h[0]));
                            }
                        }));

        double seconds = stress.run(threads, Sys.LONG ? 60_000 : 2_000);
        assertThat(vfio.invariants().check()).as("invariants at the quiescent point").isEmpty();
        assertThat(stress.operations()).isGreaterThan(100);

        // Tear down: every pin and every charge must come back.
        vgpu.close();
        ctx.detach(d1);
        ctx.ioasUnmap(a, 0, -1L);
        ctx.ioasUnmap(b, 0, -1L);
        assertThat(host.memory().totalPins()).isZero();
        assertThat(qemu.simAddressSpace().orElseThrow().pinnedVm()).isZero();
        assertThat(qemu.user().lockedVm()).isZero();
        assertThat(vfio.invariants().check()).isEmpty();
        Figures.record(
                "IommufdNativeConcurrencyStressTest",
                String.format(
                        java.util.Locale.ROOT,
                        "%d threads, %d operations (%d refused), %d invariant checks, %.1f s",
                        threads.size(),
                        stress.operations(),
                        stress.refusals(),
                        vfio.invariants().checks(),
                        seconds));
        vfio.close();
    }
}
