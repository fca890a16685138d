package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.FaultInjector;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.HotPlug;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevType;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.spapr.SpaprTceProvider;
import io.vfio4j.type1.Type1Provider;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Fail-nth sweeps: a call is repeated with a failure injected at its 1st, 2nd, ... injection point
 * (any site: PIN, IOMMU_MAP, ALLOCATION) until it succeeds. After every failure the whole
 * observable state ({@link SystemSnapshot}: mappings and backend state, pins and frame pin counts,
 * locked_vm of every address space, dma_avail, windows, listeners, available_instances) must equal
 * the state before the call, and the invariant checker must be clean.
 */
class FailureSweepTest {
    static final AtomicLong INJECTED = new AtomicLong();
    static final long RAM = 0x10_0000_0000L;

    /** Sweeps {@code call}; returns the number of injection points it has (failures injected). */
    static int sweep(Vfio vfio, Supplier<SystemSnapshot> snapshot, Runnable call) {
        return sweep(vfio, snapshot, call, Errno.ENOMEM);
    }

    /**
     * As {@link #sweep(Vfio, Supplier, Runnable)}, where a refusal may carry any of {@code allowed}
     * (e.g. SPAPR REGISTER turns any pin failure into EFAULT).
     */
    static int sweep(
            Vfio vfio, Supplier<SystemSnapshot> snapshot, Runnable call, Errno... allowed) {
        return sweep(vfio, snapshot, call, false, allowed);
    }

    /**
     * As {@link #sweep(Vfio, Supplier, Runnable, Errno...)}; with {@code unwindMayDirty} a refused
     * call may leave the dirty marks of the writable pages it pinned and unwound (the kernel's
     * put_pfn with the mapping's prot, docs/deviations.md T1-9), and nothing else.
     */
    static int sweep(
            Vfio vfio,
            Supplier<SystemSnapshot> snapshot,
            Runnable call,
            boolean unwindMayDirty,
            Errno... allowed) {
        FaultInjector faults = vfio.host().faults();
        for (int n = 1; n < 100_000; n++) {
            SystemSnapshot before = snapshot.get();
            faults.failNth(n, Errno.ENOMEM);
            try {
                call.run();
                boolean exhausted = faults.isArmed();
                faults.disarm();
                assertThat(exhausted)
                        .as("the call succeeded although failure %d was injected", n)
                        .isTrue();
                return n - 1;
            } catch (VfioException e) {
                faults.disarm();
                INJECTED.incrementAndGet();
                assertThat(e.errno())
                        .as("failure %d: %s", n, e.getMessage())
                        .isIn((Object[]) allowed);
                SystemSnapshot after = snapshot.get();
                before.assertNoTrace(
                        after, unwindMayDirty, "failure " + n + " (" + e.getMessage() + ")");
                assertThat(vfio.invariants().check()).as("after failure %d", n).isEmpty();
            } finally {
                faults.disarm();
            }
        }
        return fail("the call never succeeded");
    }

    @AfterAll
    static void figures() {
        Figures.record("FailureSweepTest", INJECTED.get() + " failures injected");
    }

    /** x86, fragmented RAM (runs of 16 pages), one QEMU with 256 MiB of RLIMIT_MEMLOCK. */
    private static final class X86 {
        final SimHost host = Sys.x86(3);
        final Vfio vfio = Sys.vfio(host);
        final SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(256 * MiB).build());
        final VfioContainer c = vfio.openContainer();

        X86() {
            qemu.mmap(RegionSpec.anonymous(RAM, 64 * MiB));
            qemu.mmap(RegionSpec.thp(RAM + 64 * MiB, 16 * MiB));
        }

        SystemSnapshot snap() {
            return SystemSnapshot.of(vfio);
        }
    }

    @Test
    void type1MapWithADomain() {
        X86 x = new X86();
        x.vfio.group(1).setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        x.c.ioctl(x.qemu, MapDma.rw(RAM + 32 * MiB, 0x4000_0000L, MiB));
        int points = sweep(x.vfio, x::snap, () -> x.c.ioctl(x.qemu, MapDma.rw(RAM, 0, 2 * MiB)));
        // 512 pages in runs of 16: a pin and an IOMMU map per run, plus allocations.
        assertThat(points).isGreaterThanOrEqualTo(64);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(768);
    }

    @Test
    void type1MapIntoTwoDomains() {
        X86 x = new X86();
        x.vfio.group(1).setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        VfioGroup g2 = x.vfio.group(2);
        g2.setContainer(x.qemu, x.c);
        int points =
                sweep(
                        x.vfio,
                        x::snap,
                        () -> x.c.ioctl(x.qemu, MapDma.rw(RAM + 64 * MiB, 0, 16 * MiB)));
        assertThat(points).isGreaterThan(2);
    }

    @Test
    void type1ExternalPinWithoutADomain() {
        X86 x = new X86();
        TestVendor v = new TestVendor(4096);
        VfioGroup g = x.vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", v);
        g.setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu-0");
        x.c.ioctl(x.qemu, MapDma.rw(RAM, 0, 8 * MiB));
        v.pin(0x10000, 4, DmaProt.RW); // references on already pinned pages come first in the run
        int points =
                sweep(
                        x.vfio,
                        x::snap,
                        () -> v.pin(0x10000 - 0x4000, 64, DmaProt.RW),
                        true,
                        Errno.ENOMEM);
        assertThat(points).isGreaterThanOrEqualTo(8);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(64);
    }

    @Test
    void type1AttachWithReplay() {
        X86 x = new X86();
        TestVendor v = new TestVendor(4096);
        VfioGroup g = x.vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", v);
        g.setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu-0");
        x.c.ioctl(x.qemu, MapDma.rw(RAM, 0, MiB));
        x.c.ioctl(x.qemu, MapDma.rw(RAM + 64 * MiB, 0x4000_0000L, 4 * MiB));
        v.pin(0x1000, 8, DmaProt.RW);
        VfioGroup g1 = x.vfio.group(1);
        int points = sweep(x.vfio, x::snap, () -> g1.setContainer(x.qemu, x.c), true, Errno.ENOMEM);
        assertThat(points).isGreaterThanOrEqualTo(16);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(256 + 1024);
    }

    @Test
    void type1DetachWithReaccountNeverFails() {
        X86 x = new X86();
        TestVendor v = new TestVendor(4096);
        VfioGroup g = x.vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", v);
        g.setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu-0");
        x.vfio.group(1).setContainer(x.qemu, x.c);
        x.c.ioctl(x.qemu, MapDma.rw(RAM, 0, 4 * MiB));
        v.pin(0x2000, 10, DmaProt.RW);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(1024);
        int points = sweep(x.vfio, x::snap, () -> x.vfio.group(1).unsetContainer());
        assertThat(points).as("detach has no failure point: it never fails").isZero();
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(10);
    }

    @Test
    void type1UnmapWithNotificationNeverFails() {
        X86 x = new X86();
        TestVendor v = new TestVendor(4096);
        VfioGroup g = x.vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", v);
        g.setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        g.openDevice("vgpu-0");
        x.c.ioctl(x.qemu, MapDma.rw(RAM, 0, 4 * MiB));
        v.pin(0x2000, 10, DmaProt.RW);
        int points = sweep(x.vfio, x::snap, () -> x.c.ioctl(x.qemu, UnmapDma.of(0, 4 * MiB)));
        assertThat(points).isZero();
        assertThat(v.notifications()).isEqualTo(1);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isZero();
    }

    @Test
    void mdevCreateAndOpenThatPinsItsFramebuffer() {
        X86 x = new X86();
        MdevBus bus = new MdevBus(x.vfio);
        HotPlug hotPlug = new HotPlug(bus);
        MdevType type =
                bus.registerParent(
                                "0000:65:00.0",
                                new SweepVendor(0x10000, 600, 4096),
                                List.of(new MdevTypeSpec("v100-4q", "4 GiB vGPU", 2)))
                        .types()
                        .get(0);
        x.vfio.group(1).setContainer(x.qemu, x.c);
        x.c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        x.c.ioctl(x.qemu, MapDma.rw(RAM, 0, 8 * MiB));
        // Without a domain too: a second container with only mdevs pins and charges.
        VfioContainer md = x.vfio.openContainer();
        MdevDevice first = bus.create(type, UUID.randomUUID());
        first.group().setContainer(x.qemu, md);
        md.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        md.ioctl(x.qemu, MapDma.rw(RAM + 16 * MiB, 0, 8 * MiB));
        Supplier<SystemSnapshot> snap = () -> SystemSnapshot.of(x.vfio, bus);
        UUID u = UUID.fromString("0b8c4e7a-3f2d-4c55-9e31-6a0a8c4e9d01");
        int points =
                sweep(
                        x.vfio,
                        snap,
                        () -> first.group().openDevice(first.name()),
                        true,
                        Errno.ENOMEM);
        assertThat(points).as("open pins 600 pages in two calls").isGreaterThanOrEqualTo(2);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(2048 + 600);
        int plugPoints =
                sweep(
                        x.vfio,
                        snap,
                        () -> hotPlug.plugMdev(type, u, x.qemu, x.c),
                        true,
                        Errno.ENOMEM);
        assertThat(plugPoints).isGreaterThanOrEqualTo(2);
        assertThat(type.availableInstances()).isZero();
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(2048 + 600);
    }

    /** POWER, 64 KiB pages, RAM fragmented by the default anonymous runs. */
    private static final class Power {
        final SimHost host = Sys.power(2);
        final Vfio vfio = Sys.vfio(host);
        final SimProcess qemu =
                host.spawnProcess(ProcessSpec.builder().memlockLimitBytes(1L << 30).build());
        final VfioContainer c = vfio.openContainer();

        Power() {
            qemu.mmap(RegionSpec.anonymous(RAM, 256 * MiB));
            vfio.group(1).setContainer(qemu, c);
            c.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
        }

        SystemSnapshot snap() {
            return SystemSnapshot.of(vfio);
        }
    }

    @Test
    void spaprRegisterMemory() {
        Power x = new Power();
        x.c.ioctl(x.qemu, SpaprRegisterMemory.of(RAM + 128 * MiB, 64 * MiB));
        int points =
                sweep(
                        x.vfio,
                        x::snap,
                        () -> x.c.ioctl(x.qemu, SpaprRegisterMemory.of(RAM, 64 * MiB)),
                        Errno.ENOMEM,
                        Errno.EFAULT); // docs/reference/spapr-tce.md §7 Q5: unpinnable page
        assertThat(points).isGreaterThanOrEqualTo(2);
        assertThat(x.qemu.simAddressSpace().orElseThrow().lockedVm()).isEqualTo(2048);
    }

    @Test
    void spaprCreateWindow() {
        Power x = new Power();
        x.vfio.group(2).setContainer(x.qemu, x.c);
        x.c.ioctl(x.qemu, SpaprRegisterMemory.of(RAM, 64 * MiB));
        x.c.ioctl(x.qemu, SpaprTceRemove.of(0)); // cancel the default window
        // CREATE has no FaultInjector site: the platform's own hooks make it fail instead.
        io.vfio4j.host.power.PowerNvTableGroup pe =
                (io.vfio4j.host.power.PowerNvTableGroup)
                        x.host.iommuGroup(2).orElseThrow().tceTableGroup().orElseThrow();
        Runnable create = () -> x.c.ioctl(x.qemu, SpaprTceCreate.of(16, 1L << 30, 2));
        for (Errno e : List.of(Errno.ENOMEM, Errno.EINVAL)) {
            SystemSnapshot before = x.snap();
            if (e == Errno.ENOMEM) {
                pe.failNextCreate(e);
            } else {
                pe.failNextSetWindow(e);
            }
            Sys.assertErrno(create::run, e);
            INJECTED.incrementAndGet();
            assertThat(x.snap()).as(before.diff(x.snap())).isEqualTo(before);
        }
        int points = sweep(x.vfio, x::snap, create);
        assertThat(points).as("CREATE reaches no FaultInjector site").isZero();
        assertThat(x.c.state().orElseThrow().details()).containsEntry("windows", 1L);
    }

    @Test
    void spaprMapFromRegisteredMemory() {
        Power x = new Power();
        x.c.ioctl(x.qemu, SpaprRegisterMemory.of(RAM, 64 * MiB));
        long start = x.c.ioctl(x.qemu, SpaprTceCreate.of(16, 1L << 30, 1));
        int points =
                sweep(x.vfio, x::snap, () -> x.c.ioctl(x.qemu, MapDma.rw(RAM, start, 32 * MiB)));
        assertThat(points).isGreaterThanOrEqualTo(0);
        assertThat(x.c.state().orElseThrow().mappings()).isEqualTo(512);
    }
}
