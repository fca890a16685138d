package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.ReservedRegion;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.host.power.PowerNvTableGroup;
import io.vfio4j.mdev.HotPlug;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevDeviceOps;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.MdevVendorDriver;
import io.vfio4j.spapr.SpaprTceProvider;
import io.vfio4j.type1.Type1Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A fully set-up system for the bad-input catalogue: every row gets a fresh one, so a refused
 * request is compared against a known, busy state (mappings, pins, windows, listeners).
 *
 * <p>type1 (x86, 4 KiB pages): container {@link #pt} (TYPE1v2, IOMMU group 1, device open, four
 * mappings: RAM at 0 and at 4 GiB, read-only memory at 0x2000_0000 mapped READ, a BAR at
 * 0x3000_0000), container {@link #md} (TYPE1v2, mdev-like emulated groups: vgpu-0 open and holding
 * 4 pins at 0x8000_0000, vgpu-1 closed; RAM at 0x8000_0000, read-only memory at 0x9000_0000 mapped
 * READ, a BAR at 0xA000_0000), container {@link #v1} (TYPE1, group 2, RAM at 0). Spare groups: 3
 * (no interrupt remapping), 4 (reserved region over 4 GiB), 5 (32-bit aperture), 6 (plain).
 *
 * <p>SPAPR (POWER, 64 KiB pages): container {@link #v2} (SPAPR_TCE_v2, group 1, 32 MiB of RAM
 * registered, a 1 GiB window of 64 KiB pages at 2^59 with 1 MiB mapped, default window pending),
 * container {@link #v1} (SPAPR_TCE, group 4 without DDW, enabled). Spare groups: 2 (IODA2), 3
 * (another platform type), 5 (no DDW).
 */
final class Fx {
    enum Setup {
        TYPE1,
        TYPE1_STRICT_UNPIN,
        TYPE1_ENTRY_LIMIT_4,
        SPAPR,
        SPAPR_EXTERNAL_PINNING
    }

    static final long RAM = 0x10_0000_0000L;
    static final long RO = 0x20_0000_0000L;
    static final long BAR = 0x30_0000_0000L;
    static final long BIG = 0x40_0000_0000L;
    static final long HOLE = 0x50_0000_0000L;
    static final long WINDOW = PowerNvTableGroup.SLOT1_BUS_OFFSET;

    final Setup setup;
    final SimHost host;
    final Vfio vfio;
    final SimProcess qemu;
    final SimProcess other;
    final SimProcess dead;
    final List<VfioContainer> extra = new ArrayList<>();

    /** Set by a row's preparation, before the snapshot is taken. */
    VfioContainer scratch;

    VfioGroup scratchGroup;

    /** type1 setups: parent 0000:65:00.0 (vgpu-small x2, vgpu-big x1), parent 0000:66:00.0. */
    MdevBus bus;

    MdevParent parent;
    MdevParent refusing;
    MdevDevice big;
    MdevDevice small;
    static final UUID BIG_UUID = UUID.fromString("6f2a1c34-0d6e-4f6b-9a55-2c1d4e8f7a01");
    static final UUID SMALL_UUID = UUID.fromString("6f2a1c34-0d6e-4f6b-9a55-2c1d4e8f7a02");

    VfioContainer pt;
    VfioContainer md;
    VfioContainer v1;
    VfioContainer v2;
    VfioDevice ptDevice;
    TestVendor vendor;
    TestVendor vendor1;
    VfioGroup vgpu0;
    VfioGroup vgpu1;

    Fx(Setup setup) {
        this.setup = setup;
        boolean power = setup == Setup.SPAPR || setup == Setup.SPAPR_EXTERNAL_PINNING;
        host = power ? powerHost() : x86Host();
        vfio =
                switch (setup) {
                    case TYPE1 -> Sys.vfio(host);
                    case TYPE1_STRICT_UNPIN ->
                            Sys.vfio(host, "vfio4j.backend.type1.strict-unpin", "true");
                    case TYPE1_ENTRY_LIMIT_4 ->
                            Sys.vfio(host, "vfio4j.backend.type1.dma-entry-limit", "4");
                    case SPAPR -> Sys.vfio(host);
                    case SPAPR_EXTERNAL_PINNING ->
                            Sys.vfio(host, "vfio4j.backend.spapr-tce.external-pinning", "true");
                };
        // POWER: the v1 ENABLE charges the whole 2 GiB default window; 96 MiB are left over.
        long limit = power ? 2048 * MiB + 96 * MiB : 64 * MiB;
        ProcessSpec spec = ProcessSpec.builder().name("qemu").memlockLimitBytes(limit).build();
        qemu = host.spawnProcess(spec);
        other = host.spawnProcess(spec);
        dead = host.spawnProcess(spec);
        for (SimProcess p : List.of(qemu, other, dead)) {
            p.mmap(RegionSpec.anonymous(RAM, 32 * MiB));
            p.mmap(RegionSpec.anonymous(RO, 2 * MiB).readOnly());
            p.mmap(RegionSpec.device(BAR, 1 * MiB));
            p.mmap(RegionSpec.thp(BIG, 128 * MiB));
        }
        // Open every /dev/vfio/<n> first: opening a group is not what the catalogue tests.
        host.iommuGroups().forEach(g -> vfio.group(g.id()));
        if (power) {
            setUpSpapr();
        } else {
            setUpType1();
        }
        dead.exit();
    }

    private static SimHost x86Host() {
        SimHost h = SimHost.builder().anonymousRunPages(16).build();
        h.addIommuGroup(IommuGroupSpec.of(1));
        h.addIommuGroup(IommuGroupSpec.of(2));
        h.addIommuGroup(IommuGroupSpec.builder().id(3).interruptRemapping(false).build());
        h.addIommuGroup(
                IommuGroupSpec.builder()
                        .id(4)
                        .reservedRegions(
                                List.of(
                                        IommuGroupSpec.X86_MSI,
                                        new ReservedRegion(
                                                new IovaRange(0x1_0000_0000L, 0x1_0000_FFFFL),
                                                ReservedRegion.Type.RESERVED)))
                        .build());
        h.addIommuGroup(
                IommuGroupSpec.builder().id(5).aperture(new IovaRange(0, 0xFFFF_FFFFL)).build());
        h.addIommuGroup(IommuGroupSpec.of(6));
        return h;
    }

    private static SimHost powerHost() {
        SimHost h = SimHost.builder().platform(Platform.POWER).eeh(true).build();
        for (int id : new int[] {1, 2}) {
            h.addIommuGroup(ioda2(id, PowerNvTableGroup.ioda2()));
        }
        h.addIommuGroup(ioda2(3, PowerNvTableGroup.builder().platformType("other-phb").build()));
        h.addIommuGroup(ioda2(4, PowerNvTableGroup.builder().noDdw().build()));
        h.addIommuGroup(ioda2(5, PowerNvTableGroup.builder().noDdw().build()));
        h.addIommuGroup(IommuGroupSpec.of(6)); // an x86-like group: no TCE table group
        return h;
    }

    private static IommuGroupSpec ioda2(int id, PowerNvTableGroup tg) {
        return IommuGroupSpec.builder()
                .id(id)
                .driver(PowerNvTableGroup.IODA2)
                .reservedRegions(List.of())
                .tceTableGroup(tg)
                .build();
    }

    private void setUpType1() {
        pt = vfio.openContainer();
        VfioGroup g1 = vfio.group(1);
        g1.setContainer(qemu, pt);
        pt.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        ptDevice = g1.openDevice("0000:01:00.0");
        pt.ioctl(qemu, MapDma.rw(RAM, 0, 8 * MiB));
        pt.ioctl(qemu, MapDma.rw(RAM + 8 * MiB, 0x1_0000_0000L, 4 * MiB));
        pt.ioctl(qemu, MapDma.of(RO, 0x2000_0000L, 2 * MiB, MapDma.READ));
        pt.ioctl(qemu, MapDma.rw(BAR, 0x3000_0000L, 1 * MiB));

        md = vfio.openContainer();
        vendor = new TestVendor(host.pageSize());
        vendor1 = new TestVendor(host.pageSize());
        vgpu0 = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", vendor);
        vgpu1 = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-1", vendor1);
        vgpu0.setContainer(qemu, md);
        md.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
        vgpu1.setContainer(qemu, md);
        vgpu0.openDevice("vgpu-0");
        md.ioctl(qemu, MapDma.rw(RAM + 16 * MiB, 0x8000_0000L, 8 * MiB));
        md.ioctl(qemu, MapDma.of(RO, 0x9000_0000L, 2 * MiB, MapDma.READ));
        md.ioctl(qemu, MapDma.rw(BAR, 0xA000_0000L, 1 * MiB));
        vendor.pin(0x8000_0000L, 4, TestVendor.rw());

        v1 = vfio.openContainer();
        vfio.group(2).setContainer(qemu, v1);
        v1.setIommu(Type1Provider.NAME, IommuType.TYPE1);
        v1.ioctl(qemu, MapDma.rw(RAM + 24 * MiB, 0, 2 * MiB));

        bus = new MdevBus(vfio);
        parent =
                bus.registerParent(
                        "0000:65:00.0",
                        new SweepVendor(0x8000_0000L + 4 * MiB, 2, 4096),
                        List.of(
                                new MdevTypeSpec("small", "1 GiB vGPU", 2),
                                new MdevTypeSpec("big", "8 GiB vGPU", 1)));
        refusing =
                bus.registerParent(
                        "0000:66:00.0",
                        new MdevVendorDriver() {
                            @Override
                            public String name() {
                                return "fullgpu";
                            }

                            @Override
                            public MdevDeviceOps create(MdevDevice device) {
                                throw VfioException.of(
                                        Errno.ENOSPC, "no framebuffer memory left on the card");
                            }
                        },
                        List.of(new MdevTypeSpec("any", "refuses", 4)));
        big = new HotPlug(bus).plugMdev(parent.requireType("sweepgpu-big"), BIG_UUID, qemu, md);
        small = bus.create(parent.requireType("sweepgpu-small"), SMALL_UUID);
    }

    private void setUpSpapr() {
        v2 = vfio.openContainer();
        vfio.group(1).setContainer(qemu, v2);
        v2.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
        v2.ioctl(qemu, SpaprRegisterMemory.of(RAM, 32 * MiB));
        long start = v2.ioctl(qemu, SpaprTceCreate.of(16, 1L << 30, 1));
        if (start != WINDOW) {
            throw new IllegalStateException("window at 0x" + Long.toHexString(start));
        }
        v2.ioctl(qemu, MapDma.rw(RAM, WINDOW, 1 * MiB));
        if (setup == Setup.SPAPR_EXTERNAL_PINNING) {
            vendor = new TestVendor(host.pageSize());
            vgpu0 = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", vendor);
            vgpu0.setContainer(qemu, v2);
            vgpu0.openDevice("vgpu-0");
            vendor.pin(WINDOW, 2, TestVendor.rw());
        }
        v1 = vfio.openContainer();
        vfio.group(4).setContainer(qemu, v1);
        v1.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE);
        v1.ioctl(qemu, new SpaprEnable());
    }

    /** A new container with nothing in it, kept for the snapshot. */
    VfioContainer fresh() {
        VfioContainer c = vfio.openContainer();
        extra.add(c);
        return c;
    }

    SystemSnapshot snapshot() {
        return SystemSnapshot.of(vfio, bus);
    }
}
