package io.vfio4j.system;

import static io.vfio4j.system.Fx.BAR;
import static io.vfio4j.system.Fx.BIG;
import static io.vfio4j.system.Fx.HOLE;
import static io.vfio4j.system.Fx.RAM;
import static io.vfio4j.system.Fx.RO;
import static io.vfio4j.system.Fx.WINDOW;
import static io.vfio4j.system.Sys.GiB;
import static io.vfio4j.system.Sys.MiB;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.command.DirtyBitmapRequest;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.EehPeOp;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.SpaprDisable;
import io.vfio4j.api.command.SpaprEnable;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceGetInfo;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.api.command.SpaprUnregisterMemory;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.spapr.SpaprTceProvider;
import io.vfio4j.system.Fx.Setup;
import io.vfio4j.type1.Type1Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The bad-input catalogue: invalid requests across the API, each with the exact errno (or
 * exception) it must get. {@link BadInputCatalogueTest} runs every row against a fresh, busy system
 * ({@link Fx}) and proves that the refusal left no trace; it also proves that the table in
 * docs/reliability.md lists exactly these rows.
 */
final class BadInputCatalogue {
    /** What a row runs against the fixture. */
    @FunctionalInterface
    interface Request {
        void run(Fx f) throws Throwable;
    }

    /**
     * One invalid request.
     *
     * @param expected an errno name (the request throws {@link io.vfio4j.api.VfioException} with
     *     it) or an exception's simple class name
     */
    record Row(
            String id,
            String area,
            String description,
            String expected,
            Setup setup,
            Request prepare,
            Request request) {}

    /** An operation the type1 backend has never heard of. */
    private record Unknown() implements VfioCommand<Void> {
        @Override
        public String ioctlName() {
            return "VFIO_DEVICE_FEATURE_UNKNOWN";
        }
    }

    private static final int RW = MapDma.READ | MapDma.WRITE;
    private static final long MAX = -1L; // 2^64 - 1
    private static final Request NOTHING = f -> {};

    private final List<Row> rows = new ArrayList<>();

    static List<Row> rows() {
        BadInputCatalogue c = new BadInputCatalogue();
        c.configuration();
        c.core();
        c.type1Map();
        c.type1Unmap();
        c.type1Other();
        c.type1Attach();
        c.pins();
        c.mdev();
        c.spapr();
        c.misuse();
        return List.copyOf(c.rows);
    }

    private void add(String id, String area, String desc, Errno e, Setup s, Request r) {
        rows.add(new Row(id, area, desc, e.name(), s, NOTHING, r));
    }

    private void add(String id, String area, String desc, Errno e, Setup s, Request p, Request r) {
        rows.add(new Row(id, area, desc, e.name(), s, p, r));
    }

    private void cfg(String id, String desc, Setup s, Request r) {
        rows.add(
                new Row(
                        id,
                        "configuration",
                        desc,
                        VfioConfigurationException.class.getSimpleName(),
                        s,
                        NOTHING,
                        r));
    }

    /**
     * A second runtime over the fixture's host (its checker off: the host's counters hold the first
     * runtime's charges, which only the first can account for).
     */
    private static Vfio second(Fx f, String key, String value) {
        return Sys.vfio(f.host, key, value, VfioConfiguration.CHECK_INVARIANTS, "false");
    }

    private static Vfio build(Fx f, String... kv) {
        return Sys.vfio(f.host, kv);
    }

    // ------------------------------------------------------------------ configuration

    private void configuration() {
        Setup t = Setup.TYPE1;
        cfg(
                "CFG-01",
                "unknown runtime key `vfio4j.colour`",
                t,
                f -> build(f, "vfio4j.colour", "blue"));
        cfg(
                "CFG-02",
                "setting for a backend nobody provides (`vfio4j.backend.nosuch.x`)",
                t,
                f -> build(f, "vfio4j.backend.nosuch.x", "1"));
        cfg(
                "CFG-03",
                "unknown setting of a real backend (`vfio4j.backend.type1.colour`)",
                t,
                f -> build(f, "vfio4j.backend.type1.colour", "1"));
        cfg(
                "CFG-04",
                "`vfio4j.check-invariants = maybe`",
                t,
                f -> build(f, VfioConfiguration.CHECK_INVARIANTS, "maybe"));
        cfg(
                "CFG-05",
                "allow-list names an unknown backend",
                t,
                f -> build(f, VfioConfiguration.BACKENDS, "type1,nosuch"));
        cfg(
                "CFG-06",
                "allow-list names a backend twice",
                t,
                f -> build(f, VfioConfiguration.BACKENDS, "type1,type1"));
        cfg(
                "CFG-07",
                "unknown default backend",
                t,
                f -> build(f, VfioConfiguration.DEFAULT_BACKEND, "nosuch"));
        cfg(
                "CFG-08",
                "default backend outside the allow-list",
                t,
                f ->
                        build(
                                f,
                                VfioConfiguration.BACKENDS,
                                "type1",
                                VfioConfiguration.DEFAULT_BACKEND,
                                "spapr-tce"));
        cfg(
                "CFG-09",
                "`vfio4j.config` names a file that does not exist",
                t,
                f -> {
                    Properties p = new Properties();
                    p.setProperty(VfioConfiguration.CONFIG_FILE, "/nonexistent/vfio4j.properties");
                    VfioConfiguration.builder().loadStandardSources(p);
                });
        cfg(
                "CFG-10",
                "two providers with one name (`type1` twice)",
                t,
                f ->
                        Vfio.builder()
                                .host(f.host)
                                .withoutPluginDirectory()
                                .addSource(
                                        () ->
                                                List.of(
                                                        io.vfio4j.core.DiscoveredBackend.describe(
                                                                new Type1Provider(),
                                                                "a second jar")))
                                .configuration(VfioConfiguration.of(Map.of()))
                                .build());
        cfg(
                "CFG-11",
                "a provider whose name breaks `[a-z][a-z0-9-]*`",
                t,
                f ->
                        Vfio.builder()
                                .host(f.host)
                                .withoutClassPath()
                                .withoutPluginDirectory()
                                .addSource(
                                        () ->
                                                List.of(
                                                        io.vfio4j.core.DiscoveredBackend.describe(
                                                                new Renamed("Bad_Name"),
                                                                "a plugin")))
                                .configuration(VfioConfiguration.of(Map.of()))
                                .build());
        cfg(
                "CFG-12",
                "type1 `dma-entry-limit` not a number (refused at SET_IOMMU)",
                t,
                f -> {
                    Vfio v = second(f, "vfio4j.backend.type1.dma-entry-limit", "lots");
                    var c = v.openContainer();
                    v.group(6).setContainer(f.qemu, c);
                    try {
                        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
                    } finally {
                        v.group(6).unsetContainer();
                    }
                });
        cfg(
                "CFG-13",
                "type1 `dma-entry-limit = -1` (outside [0, 2^32-1])",
                t,
                f -> {
                    Vfio v = second(f, "vfio4j.backend.type1.dma-entry-limit", "-1");
                    var c = v.openContainer();
                    v.group(6).setContainer(f.qemu, c);
                    try {
                        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
                    } finally {
                        v.group(6).unsetContainer();
                    }
                });
        cfg(
                "CFG-14",
                "type1 `strict-unpin = yes`",
                t,
                f -> {
                    Vfio v = second(f, "vfio4j.backend.type1.strict-unpin", "yes");
                    var c = v.openContainer();
                    v.group(6).setContainer(f.qemu, c);
                    try {
                        c.setIommu(Type1Provider.NAME, IommuType.TYPE1v2);
                    } finally {
                        v.group(6).unsetContainer();
                    }
                });
        cfg(
                "CFG-15",
                "spapr-tce `external-pinning = 1`",
                Setup.SPAPR,
                f -> {
                    Vfio v = second(f, "vfio4j.backend.spapr-tce.external-pinning", "1");
                    var c = v.openContainer();
                    v.group(2).setContainer(f.qemu, c);
                    try {
                        c.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
                    } finally {
                        v.group(2).unsetContainer();
                    }
                });
        rows.add(
                new Row(
                        "CFG-16",
                        "configuration",
                        "SET_IOMMU by the name of a backend that does not exist",
                        VfioConfigurationException.class.getSimpleName(),
                        t,
                        f -> f.scratch = f.fresh(),
                        f -> f.scratch.setIommu("nosuch", IommuType.TYPE1v2)));
        cfg(
                "CFG-17",
                "`vfio4j.kernel = 6.x` (not a release major.minor from 3.6)",
                t,
                f -> build(f, VfioConfiguration.KERNEL, "6.x"));
    }

    /** A type1 provider under another name. */
    private record Renamed(String name) implements io.vfio4j.api.VfioIommuDriverProvider {
        private static final Type1Provider REAL = new Type1Provider();

        @Override
        public io.vfio4j.api.SpiVersion spiVersion() {
            return REAL.spiVersion();
        }

        @Override
        public java.util.Set<IommuType> supportedTypes() {
            return REAL.supportedTypes();
        }

        @Override
        public int checkExtension(long extension, io.vfio4j.api.host.HostView host) {
            return REAL.checkExtension(extension, host);
        }

        @Override
        public io.vfio4j.api.VfioIommuDriverOps open(io.vfio4j.api.DriverContext context) {
            return REAL.open(context);
        }
    }

    // ------------------------------------------------------------------ core

    private void core() {
        Setup t = Setup.TYPE1;
        add(
                "CORE-01",
                "container",
                "SET_IOMMU on a container without a group",
                Errno.EINVAL,
                t,
                f -> f.scratch = f.fresh(),
                f -> f.scratch.setIommu(IommuType.TYPE1v2));
        add(
                "CORE-02",
                "container",
                "SET_IOMMU a second time",
                Errno.EINVAL,
                t,
                f -> f.pt.setIommu(IommuType.TYPE1v2));
        add(
                "CORE-03",
                "container",
                "SET_IOMMU with an unknown type number (99)",
                Errno.ENODEV,
                t,
                f -> f.scratch = f.fresh(),
                f -> {
                    f.vfio.group(6).setContainer(f.qemu, f.scratch);
                    try {
                        f.scratch.setIommu(99);
                    } finally {
                        f.vfio.group(6).unsetContainer();
                    }
                });
        add(
                "CORE-04",
                "container",
                "SET_IOMMU(NOIOMMU) for a container of IOMMU groups",
                Errno.ENODEV,
                t,
                f -> f.scratch = f.fresh(),
                f -> {
                    f.vfio.group(6).setContainer(f.qemu, f.scratch);
                    try {
                        f.scratch.setIommu(IommuType.NOIOMMU);
                    } finally {
                        f.vfio.group(6).unsetContainer();
                    }
                });
        add(
                "CORE-05",
                "container",
                "SET_IOMMU(SPAPR_TCE_v2) for x86 groups",
                Errno.ENODEV,
                t,
                f -> f.scratch = f.fresh(),
                f -> {
                    f.vfio.group(6).setContainer(f.qemu, f.scratch);
                    try {
                        f.scratch.setIommu(IommuType.SPAPR_TCE_v2);
                    } finally {
                        f.vfio.group(6).unsetContainer();
                    }
                });
        add(
                "CORE-06",
                "container",
                "MAP_DMA before SET_IOMMU",
                Errno.EINVAL,
                t,
                f -> f.scratch = f.fresh(),
                f -> f.scratch.ioctl(f.qemu, MapDma.rw(RAM, 0, MiB)));
        add(
                "CORE-07",
                "group",
                "open /dev/vfio/99: no such IOMMU group",
                Errno.ENOENT,
                t,
                f -> f.vfio.group(99));
        add(
                "CORE-08",
                "group",
                "SET_CONTAINER for a group already in a container",
                Errno.EINVAL,
                t,
                f -> f.vfio.group(1).setContainer(f.qemu, f.md));
        add(
                "CORE-09",
                "group",
                "UNSET_CONTAINER for a group in no container",
                Errno.EINVAL,
                t,
                f -> f.vfio.group(6).unsetContainer());
        add(
                "CORE-10",
                "group",
                "UNSET_CONTAINER while a device of the group is open",
                Errno.EBUSY,
                t,
                f -> f.vfio.group(1).unsetContainer());
        add(
                "CORE-11",
                "group",
                "open a device of a group whose container has no backend",
                Errno.EINVAL,
                t,
                f -> f.scratch = f.fresh(),
                f -> {
                    f.vfio.group(6).setContainer(f.qemu, f.scratch);
                    try {
                        f.vfio.group(6).openDevice("0000:06:00.0");
                    } finally {
                        f.vfio.group(6).unsetContainer();
                    }
                });
        add(
                "CORE-12",
                "group",
                "open a device the group does not have",
                Errno.ENODEV,
                t,
                f -> f.vfio.group(1).openDevice("0000:99:00.0"));
        add(
                "CORE-13",
                "group",
                "SET_CONTAINER for a group with a device bound to a host driver",
                Errno.EPERM,
                t,
                f -> f.vfio.group(6).bindHostDriver("0000:06:00.0", "nvme"),
                f -> f.vfio.group(6).setContainer(f.qemu, f.pt));
        add(
                "CORE-14",
                "group",
                "no-IOMMU group used without CAP_SYS_RAWIO",
                Errno.EPERM,
                t,
                f -> {
                    f.scratchGroup =
                            f.vfio.createVirtualGroup(
                                    GroupKind.NO_IOMMU, "noiommu-0", VfioDeviceDriver.PASSTHROUGH);
                    f.scratch = f.fresh();
                },
                f -> f.scratchGroup.setContainer(f.qemu, f.scratch));
        add(
                "CORE-15",
                "group",
                "remove an emulated group that is still in a container",
                Errno.EBUSY,
                t,
                f -> f.vfio.removeVirtualGroup(f.vgpu1));
        add(
                "CORE-16",
                "container",
                "GET_INFO before SET_IOMMU",
                Errno.EINVAL,
                t,
                f -> f.scratch = f.fresh(),
                f -> f.scratch.ioctl(f.qemu, GetInfo.full()));
    }

    // ------------------------------------------------------------------ type1 MAP_DMA

    private void type1Map() {
        Setup t = Setup.TYPE1;
        String a = "type1 MAP_DMA";
        add(
                "T1-MAP-01",
                a,
                "argsz 31, below the structure",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, new MapDma(31, RW, RAM, 0x5000_0000L, MiB)));
        add(
                "T1-MAP-02",
                a,
                "unknown flag bit 3",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.of(RAM, 0x5000_0000L, MiB, RW | 8)));
        add(
                "T1-MAP-03",
                a,
                "neither READ/WRITE nor VADDR",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.of(RAM, 0x5000_0000L, MiB, 0)));
        add(
                "T1-MAP-04",
                a,
                "VADDR together with READ",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.of(RAM, 0, 8 * MiB, MapDma.VADDR | MapDma.READ)));
        add(
                "T1-MAP-05",
                a,
                "size 0",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM, 0x5000_0000L, 0)));
        add(
                "T1-MAP-06",
                a,
                "size not a multiple of the minimum page (0x800)",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM, 0x5000_0000L, 0x800)));
        add(
                "T1-MAP-07",
                a,
                "iova not page aligned",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM, 0x5000_0800L, MiB)));
        add(
                "T1-MAP-08",
                a,
                "vaddr not page aligned",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 0x10, 0x5000_0000L, MiB)));
        add(
                "T1-MAP-09",
                a,
                "iova + size wraps past 2^64",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM, MAX - 0xFFF, 0x2000)));
        add(
                "T1-MAP-10",
                a,
                "vaddr + size wraps past 2^64",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(MAX - 0xFFF, 0x5000_0000L, 0x2000)));
        add(
                "T1-MAP-11",
                a,
                "overlaps an existing mapping",
                Errno.EEXIST,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 12 * MiB, 4 * MiB, 8 * MiB)));
        add(
                "T1-MAP-12",
                a,
                "shares a single page with an existing mapping",
                Errno.EEXIST,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 12 * MiB, 8 * MiB - 4096, 4096)));
        add(
                "T1-MAP-13",
                a,
                "iova inside the MSI reserved window",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 12 * MiB, 0xFEE0_0000L, 4096)));
        add(
                "T1-MAP-14",
                a,
                "iova above the 48-bit aperture",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 12 * MiB, 1L << 48, MiB)));
        add(
                "T1-MAP-15",
                a,
                "range straddles the top of the aperture",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 12 * MiB, (1L << 48) - 4096, 8192)));
        add(
                "T1-MAP-16",
                a,
                "vaddr not backed, with an IOMMU domain",
                Errno.EFAULT,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(HOLE, 0x5000_0000L, MiB)));
        add(
                "T1-MAP-17",
                a,
                "vaddr backed only for its first half",
                Errno.EFAULT,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 31 * MiB, 0x5000_0000L, 2 * MiB)));
        add(
                "T1-MAP-18",
                a,
                "WRITE mapping of read-only memory",
                Errno.EFAULT,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RO, 0x5000_0000L, MiB)));
        add(
                "T1-MAP-19",
                a,
                "over RLIMIT_MEMLOCK (128 MiB against 64 MiB)",
                Errno.ENOMEM,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(BIG, 0x1_0000_0000_0L, 128 * MiB)));
        add(
                "T1-MAP-20",
                a,
                "dma_avail is 0 (dma-entry-limit 4 reached)",
                Errno.ENOSPC,
                Setup.TYPE1_ENTRY_LIMIT_4,
                f -> f.pt.ioctl(f.qemu, MapDma.rw(RAM + 12 * MiB, 0x5000_0000L, MiB)));
        add(
                "T1-MAP-21",
                a,
                "VADDR update where nothing is mapped",
                Errno.ENOENT,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.of(RAM, 0x5000_0000L, MiB, MapDma.VADDR)));
        add(
                "T1-MAP-22",
                a,
                "VADDR update of a mapping whose vaddr is valid",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, MapDma.of(RAM, 0, 8 * MiB, MapDma.VADDR)));
        add(
                "T1-MAP-23",
                a,
                "VADDR update with another size than the invalidated mapping",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB, UnmapDma.VADDR)),
                f -> f.pt.ioctl(f.qemu, MapDma.of(RAM, 0, 4 * MiB, MapDma.VADDR)));
        add(
                "T1-MAP-24",
                a,
                "VADDR update over RLIMIT after exec (charge cannot move)",
                Errno.ENOMEM,
                t,
                f -> {
                    f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB, UnmapDma.VADDR));
                    f.other.setMemlockLimitBytes(4 * MiB);
                },
                f -> f.pt.ioctl(f.other, MapDma.of(RAM, 0, 8 * MiB, MapDma.VADDR)));
        add(
                "T1-MAP-25",
                a,
                "caller has exited (no address space)",
                Errno.ENODEV,
                t,
                f -> f.pt.ioctl(f.dead, MapDma.rw(RAM, 0x5000_0000L, MiB)));
        add(
                "T1-MAP-26",
                a,
                "v1 container: unknown flag",
                Errno.EINVAL,
                t,
                f -> f.v1.ioctl(f.qemu, MapDma.of(RAM, 0x5000_0000L, MiB, 0x10)));
    }

    // ------------------------------------------------------------------ type1 UNMAP_DMA

    private void type1Unmap() {
        Setup t = Setup.TYPE1;
        String a = "type1 UNMAP_DMA";
        add(
                "T1-UNMAP-01",
                a,
                "argsz 23",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, new UnmapDma(23, 0, 0, 8 * MiB, Optional.empty())));
        add(
                "T1-UNMAP-02",
                a,
                "unknown flag bit 3",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB, 8)));
        add(
                "T1-UNMAP-03",
                a,
                "GET_DIRTY_BITMAP together with ALL",
                Errno.EINVAL,
                t,
                f ->
                        f.pt.ioctl(
                                f.qemu,
                                new UnmapDma(
                                        48,
                                        UnmapDma.GET_DIRTY_BITMAP | UnmapDma.ALL,
                                        0,
                                        0,
                                        Optional.of(new DirtyBitmapRequest(4096, 8)))));
        add(
                "T1-UNMAP-04",
                a,
                "GET_DIRTY_BITMAP together with VADDR",
                Errno.EINVAL,
                t,
                f ->
                        f.pt.ioctl(
                                f.qemu,
                                new UnmapDma(
                                        48,
                                        UnmapDma.GET_DIRTY_BITMAP | UnmapDma.VADDR,
                                        0,
                                        8 * MiB,
                                        Optional.of(new DirtyBitmapRequest(4096, 256)))));
        add(
                "T1-UNMAP-05",
                a,
                "ALL with a non-zero iova",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(4096, 0, UnmapDma.ALL)));
        add(
                "T1-UNMAP-06",
                a,
                "ALL with a non-zero size",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 4096, UnmapDma.ALL)));
        add(
                "T1-UNMAP-07",
                a,
                "iova not page aligned",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0x10, 8 * MiB)));
        add(
                "T1-UNMAP-08",
                a,
                "size 0",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 0)));
        add(
                "T1-UNMAP-09",
                a,
                "size not page aligned",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB + 1)));
        add(
                "T1-UNMAP-10",
                a,
                "iova + size wraps past 2^64",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(MAX - 0xFFF, 0x2000)));
        add(
                "T1-UNMAP-11",
                a,
                "v2: range starts inside a mapping (bisects it)",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(4096, 8 * MiB)));
        add(
                "T1-UNMAP-12",
                a,
                "v2: range ends inside a mapping (bisects it)",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 4 * MiB)));
        add(
                "T1-UNMAP-13",
                a,
                "VADDR while an emulated (mdev) group is attached",
                Errno.EBUSY,
                t,
                f -> f.md.ioctl(f.qemu, UnmapDma.of(0x8000_0000L, 8 * MiB, UnmapDma.VADDR)));
        add(
                "T1-UNMAP-14",
                a,
                "VADDR invalidate of an already invalid mapping",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB, UnmapDma.VADDR)),
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB, UnmapDma.VADDR)));
        add(
                "T1-UNMAP-15",
                a,
                "GET_DIRTY_BITMAP while dirty tracking is off",
                Errno.EINVAL,
                t,
                f ->
                        f.pt.ioctl(
                                f.qemu,
                                new UnmapDma(
                                        48,
                                        UnmapDma.GET_DIRTY_BITMAP,
                                        0,
                                        8 * MiB,
                                        Optional.of(new DirtyBitmapRequest(4096, 256)))));
        add(
                "T1-UNMAP-16",
                a,
                "GET_DIRTY_BITMAP with argsz 24 (no vfio_bitmap)",
                Errno.EINVAL,
                t,
                f ->
                        f.pt.ioctl(
                                f.qemu,
                                new UnmapDma(
                                        24,
                                        UnmapDma.GET_DIRTY_BITMAP,
                                        0,
                                        8 * MiB,
                                        Optional.of(new DirtyBitmapRequest(4096, 256)))));
    }

    // ------------------------------------------------------------------ type1, other ioctls

    private void type1Other() {
        Setup t = Setup.TYPE1;
        String a = "type1 ioctls";
        add(
                "T1-IOC-01",
                a,
                "GET_INFO argsz 15",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, new GetInfo(15)));
        add(
                "T1-IOC-02",
                a,
                "DIRTY_PAGES on a v1 container",
                Errno.EACCES,
                t,
                f -> f.v1.ioctl(f.qemu, DirtyPages.start()));
        add(
                "T1-IOC-03",
                a,
                "DIRTY_PAGES with START and STOP together",
                Errno.EINVAL,
                t,
                f ->
                        f.pt.ioctl(
                                f.qemu,
                                new DirtyPages(
                                        8,
                                        DirtyPages.START | DirtyPages.STOP,
                                        0,
                                        0,
                                        Optional.empty())));
        add(
                "T1-IOC-04",
                a,
                "DIRTY_PAGES GET_BITMAP while tracking is off",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, DirtyPages.getBitmap(0, 8 * MiB, 4096)));
        add(
                "T1-IOC-05",
                a,
                "DIRTY_PAGES GET_BITMAP bisecting a mapping",
                Errno.EINVAL,
                t,
                f -> f.pt.ioctl(f.qemu, DirtyPages.start()),
                f -> f.pt.ioctl(f.qemu, DirtyPages.getBitmap(0, 4 * MiB, 4096)));
        add(
                "T1-IOC-06",
                a,
                "SPAPR ENABLE sent to a type1 container",
                Errno.ENOTTY,
                t,
                f -> f.pt.ioctl(f.qemu, new SpaprEnable()));
        add(
                "T1-IOC-07",
                a,
                "SPAPR REGISTER_MEMORY sent to a type1 container",
                Errno.ENOTTY,
                t,
                f -> f.pt.ioctl(f.qemu, SpaprRegisterMemory.of(RAM, MiB)));
        add(
                "T1-IOC-08",
                a,
                "a command no backend knows",
                Errno.ENOTTY,
                t,
                f -> f.pt.ioctl(f.qemu, new Unknown()));
        add(
                "T1-IOC-09",
                a,
                "EEH_PE_OP sent to a type1 container",
                Errno.ENOTTY,
                t,
                f -> f.pt.ioctl(f.qemu, EehPeOp.of(EehPeOp.GET_STATE)));
    }

    // ------------------------------------------------------------------ type1 attach

    private void type1Attach() {
        Setup t = Setup.TYPE1;
        String a = "type1 attach";
        add(
                "T1-ATT-01",
                a,
                "IOMMU without interrupt remapping",
                Errno.EPERM,
                t,
                f -> f.vfio.group(3).setContainer(f.qemu, f.pt));
        add(
                "T1-ATT-02",
                a,
                "reserved region of the group overlaps an existing mapping",
                Errno.EINVAL,
                t,
                f -> f.vfio.group(4).setContainer(f.qemu, f.pt));
        add(
                "T1-ATT-03",
                a,
                "aperture of the group leaves an existing mapping outside",
                Errno.EINVAL,
                t,
                f -> f.vfio.group(5).setContainer(f.qemu, f.pt));
        add(
                "T1-ATT-04",
                a,
                "attach while a mapping's vaddr is invalid",
                Errno.EBUSY,
                t,
                f -> f.pt.ioctl(f.qemu, UnmapDma.of(0, 8 * MiB, UnmapDma.VADDR)),
                f -> f.vfio.group(6).setContainer(f.qemu, f.pt));
        add(
                "T1-ATT-05",
                a,
                "replay into the first domain over RLIMIT_MEMLOCK",
                Errno.ENOMEM,
                t,
                f -> f.md.ioctl(f.qemu, MapDma.rw(BIG, 0x1_0000_0000L, 64 * MiB)),
                f -> f.vfio.group(6).setContainer(f.qemu, f.md));
        add(
                "T1-ATT-06",
                a,
                "replay of a mapping whose vaddr was never backed",
                Errno.EFAULT,
                t,
                f -> f.md.ioctl(f.qemu, MapDma.rw(HOLE, 0x1_0000_0000L, MiB)),
                f -> f.vfio.group(6).setContainer(f.qemu, f.md));
    }

    // ------------------------------------------------------------------ pin, unpin, dma_rw

    private void pins() {
        Setup t = Setup.TYPE1;
        String a = "pin/unpin/dma_rw";
        long io = 0x8000_0000L;
        add(
                "PIN-01",
                a,
                "npage 0",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(io, 0, DmaProt.RW, new long[1]));
        add(
                "PIN-02",
                a,
                "no page array",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(io, 1, DmaProt.RW, null));
        add(
                "PIN-03",
                a,
                "device not open",
                Errno.EINVAL,
                t,
                f -> f.vgpu1.device("vgpu-1").pinPages(io, 1, DmaProt.RW, new long[1]));
        add(
                "PIN-04",
                a,
                "device without a DMA-unmap callback (passthrough)",
                Errno.EINVAL,
                t,
                f -> f.ptDevice.pinPages(0, 1, DmaProt.RW, new long[1]));
        add(
                "PIN-05",
                a,
                "npage 513, above PAGE_SIZE/8",
                Errno.E2BIG,
                t,
                f -> f.vendor.device().pinPages(io, 513, DmaProt.RW, new long[513]));
        add(
                "PIN-06",
                a,
                "iova with no mapping",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(0x7000_0000L, 1, DmaProt.RW, new long[1]));
        add(
                "PIN-07",
                a,
                "run that leaves the mapping half way",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(io + 8 * MiB - 8192, 4, DmaProt.RW, new long[4]));
        add(
                "PIN-08",
                a,
                "WRITE pin of a READ-only mapping",
                Errno.EPERM,
                t,
                f -> f.vendor.device().pinPages(0x9000_0000L, 1, DmaProt.WRITE, new long[1]));
        add(
                "PIN-09",
                a,
                "device memory (PFNMAP BAR) has no page to pin",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(0xA000_0000L, 1, DmaProt.RW, new long[1]));
        add(
                "PIN-10",
                a,
                "over RLIMIT_MEMLOCK without a domain (owner's limit)",
                Errno.ENOMEM,
                t,
                f -> {
                    f.other.setMemlockLimitBytes(2 * 4096);
                    f.md.ioctl(f.other, MapDma.rw(RAM, 0xB000_0000L, MiB));
                },
                f -> f.vendor.device().pinPages(0xB000_0000L, 4, DmaProt.RW, new long[4]));
        add(
                "PIN-11",
                a,
                "iova not page aligned",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(io + 1, 1, DmaProt.RW, new long[1]));
        add(
                "PIN-12",
                a,
                "iova + npage wraps past 2^64",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(MAX - 0xFFF, 2, DmaProt.RW, new long[2]));
        add(
                "PIN-13",
                a,
                "unknown prot bit",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(io, 1, 4, new long[1]));
        add(
                "PIN-14",
                a,
                "the mapping's owner has exited",
                Errno.ENODEV,
                t,
                f -> f.qemu.exit(),
                f -> f.vendor.device().pinPages(io + MiB, 1, DmaProt.RW, new long[1]));
        add(
                "PIN-15",
                a,
                "page array shorter than npage",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().pinPages(io, 4, DmaProt.RW, new long[2]));
        add(
                "PIN-16",
                a,
                "strict unpin of a page nobody pinned",
                Errno.EINVAL,
                Setup.TYPE1_STRICT_UNPIN,
                f -> f.vendor.device().unpinPages(io + MiB, 1));
        add(
                "PIN-17",
                a,
                "strict unpin of a page only another device holds",
                Errno.EINVAL,
                Setup.TYPE1_STRICT_UNPIN,
                f -> f.vgpu1.openDevice("vgpu-1"),
                f -> f.vendor1.device().unpinPages(io, 1));
        add(
                "PIN-18",
                a,
                "strict unpin of an unmapped iova",
                Errno.EINVAL,
                Setup.TYPE1_STRICT_UNPIN,
                f -> f.vendor.device().unpinPages(0x7000_0000L, 1));
        add(
                "PIN-20",
                a,
                "dma_rw of length 0",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().dmaRw(io, new byte[8], 0, 0, false));
        add(
                "PIN-21",
                a,
                "dma_rw through an unmapped iova",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().dmaRw(0x7000_0000L, new byte[8], 0, 8, false));
        add(
                "PIN-22",
                a,
                "dma_rw write into a READ-only mapping",
                Errno.EPERM,
                t,
                f -> f.vendor.device().dmaRw(0x9000_0000L, new byte[8], 0, 8, true));
        add(
                "PIN-23",
                a,
                "dma_rw by a device that is not open",
                Errno.EINVAL,
                t,
                f -> f.vgpu1.device("vgpu-1").dmaRw(io, new byte[8], 0, 8, false));
        add(
                "PIN-24",
                a,
                "dma_rw with offset + length beyond the buffer",
                Errno.EINVAL,
                t,
                f -> f.vendor.device().dmaRw(io, new byte[8], 4, 8, false));
        add(
                "PIN-25",
                a,
                "pin on a v1 type1 container",
                Errno.EACCES,
                t,
                f -> {
                    f.scratchGroup =
                            f.vfio.createVirtualGroup(
                                    GroupKind.EMULATED, "vgpu-v1", new TestVendor(4096));
                    f.scratchGroup.setContainer(f.qemu, f.v1);
                    f.scratchGroup.openDevice("vgpu-v1");
                },
                f -> f.scratchGroup.device("vgpu-v1").pinPages(0, 1, DmaProt.RW, new long[1]));
    }

    // ------------------------------------------------------------------ mdev

    private void mdev() {
        Setup t = Setup.TYPE1;
        String a = "mdev";
        java.util.UUID fresh = java.util.UUID.fromString("6f2a1c34-0d6e-4f6b-9a55-2c1d4e8f7aff");
        add(
                "MDEV-01",
                a,
                "create with a malformed UUID string",
                Errno.EINVAL,
                t,
                f -> f.bus.create(f.parent.requireType("sweepgpu-small"), "not-a-uuid"));
        add(
                "MDEV-02",
                a,
                "create with a UUID already in use",
                Errno.EEXIST,
                t,
                f -> f.bus.create(f.parent.requireType("sweepgpu-small"), Fx.SMALL_UUID));
        add(
                "MDEV-03",
                a,
                "create of a type with no available instance",
                Errno.EUSERS,
                t,
                f -> f.bus.create(f.parent.requireType("sweepgpu-big"), fresh));
        add(
                "MDEV-04",
                a,
                "create refused by the vendor driver (its errno)",
                Errno.ENOSPC,
                t,
                f -> f.bus.create(f.refusing.requireType("fullgpu-any"), fresh));
        add(
                "MDEV-05",
                a,
                "create on a parent that was unregistered",
                Errno.ENODEV,
                t,
                f -> f.bus.unregisterParent(f.refusing),
                f -> f.bus.create(f.refusing.requireType("fullgpu-any"), fresh));
        add("MDEV-06", a, "remove an unknown UUID", Errno.ENODEV, t, f -> f.bus.remove(fresh));
        add("MDEV-07", a, "remove an open mdev", Errno.EBUSY, t, f -> f.bus.remove(Fx.BIG_UUID));
        add(
                "MDEV-08",
                a,
                "remove an mdev whose group is in a container",
                Errno.EBUSY,
                t,
                f -> f.big.group().device(f.big.name()).close(),
                f -> f.bus.remove(Fx.BIG_UUID));
        add(
                "MDEV-09",
                a,
                "register a parent address twice",
                Errno.EEXIST,
                t,
                f ->
                        f.bus.registerParent(
                                "0000:65:00.0",
                                new SweepVendor(0, 1, 4096),
                                List.of(new io.vfio4j.mdev.MdevTypeSpec("x", "x", 1))));
        add(
                "MDEV-10",
                a,
                "register a parent with no type",
                Errno.EINVAL,
                t,
                f -> f.bus.registerParent("0000:67:00.0", new SweepVendor(0, 1, 4096), List.of()));
        add(
                "MDEV-11",
                a,
                "register a parent declaring one type twice",
                Errno.EINVAL,
                t,
                f ->
                        f.bus.registerParent(
                                "0000:67:00.0",
                                new SweepVendor(0, 1, 4096),
                                List.of(
                                        new io.vfio4j.mdev.MdevTypeSpec("x", "x", 1),
                                        new io.vfio4j.mdev.MdevTypeSpec("x", "y", 1))));
        add(
                "MDEV-12",
                a,
                "hot plug into a container with no backend set",
                Errno.EINVAL,
                t,
                f -> f.scratch = f.fresh(),
                f ->
                        new io.vfio4j.mdev.HotPlug(f.bus)
                                .plugMdev(
                                        f.parent.requireType("sweepgpu-small"),
                                        fresh,
                                        f.qemu,
                                        f.scratch));
        add(
                "MDEV-13",
                a,
                "hot plug whose open fails (pin of an unmapped framebuffer)",
                Errno.EINVAL,
                t,
                f ->
                        new io.vfio4j.mdev.HotPlug(f.bus)
                                .plugMdev(
                                        f.parent.requireType("sweepgpu-small"),
                                        fresh,
                                        f.qemu,
                                        f.pt));
        add(
                "MDEV-14",
                a,
                "unplug of an mdev that was removed",
                Errno.ENODEV,
                t,
                f -> {
                    f.bus.remove(Fx.SMALL_UUID);
                },
                f -> new io.vfio4j.mdev.HotPlug(f.bus).unplugMdev(f.small));
        add(
                "MDEV-15",
                a,
                "unregister a parent twice",
                Errno.ENODEV,
                t,
                f -> f.bus.unregisterParent(f.refusing),
                f -> f.bus.unregisterParent(f.refusing));
        add(
                "MDEV-16",
                a,
                "create with a UUID in use, written in upper case",
                Errno.EEXIST,
                t,
                f ->
                        f.bus.create(
                                f.parent.requireType("sweepgpu-big"),
                                Fx.SMALL_UUID.toString().toUpperCase(java.util.Locale.ROOT)));
    }

    // ------------------------------------------------------------------ SPAPR TCE

    private void spapr() {
        Setup s = Setup.SPAPR;
        String a = "SPAPR TCE";
        add(
                "SP-01",
                a,
                "MAP_DMA from another process (foreign address space)",
                Errno.EPERM,
                s,
                f -> f.v2.ioctl(f.other, MapDma.rw(RAM, WINDOW + MiB, MiB)));
        add(
                "SP-02",
                a,
                "unknown command from another process (EPERM before ENOTTY)",
                Errno.EPERM,
                s,
                f -> f.v2.ioctl(f.other, new Unknown()));
        add(
                "SP-03",
                a,
                "REGISTER_MEMORY from another process",
                Errno.EPERM,
                s,
                f -> f.v2.ioctl(f.other, SpaprRegisterMemory.of(RAM + 32 * MiB, MiB)));
        add(
                "SP-04",
                a,
                "TCE_CREATE from another process",
                Errno.EPERM,
                s,
                f -> f.v2.ioctl(f.other, SpaprTceCreate.of(16, GiB, 1)));
        add(
                "SP-05",
                a,
                "GET_INFO from an exited process",
                Errno.EPERM,
                s,
                f -> f.v2.ioctl(f.dead, SpaprTceGetInfo.full()));
        add(
                "SP-06",
                a,
                "MAP_DMA argsz 31",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new MapDma(31, RW, RAM, WINDOW + MiB, MiB)));
        add(
                "SP-07",
                a,
                "MAP_DMA flag VADDR (not a SPAPR flag)",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.of(RAM, WINDOW + MiB, MiB, MapDma.VADDR)));
        add(
                "SP-08",
                a,
                "MAP_DMA to an iova in no window",
                Errno.ENXIO,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.rw(RAM, 1L << 40, MiB)));
        add(
                "SP-09",
                a,
                "MAP_DMA size not a multiple of the IOMMU page",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.rw(RAM, WINDOW + MiB, 4096)));
        add(
                "SP-10",
                a,
                "MAP_DMA vaddr not a multiple of the IOMMU page",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.rw(RAM + 4096, WINDOW + MiB, MiB)));
        add(
                "SP-11",
                a,
                "MAP_DMA from memory that was never registered",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.rw(BIG, WINDOW + MiB, MiB)));
        add(
                "SP-12",
                a,
                "MAP_DMA with neither READ nor WRITE",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.of(RAM, WINDOW + MiB, MiB, 0)));
        add(
                "SP-13",
                a,
                "MAP_DMA past the end of the window",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, MapDma.rw(RAM, WINDOW + GiB - MiB, 2 * MiB)));
        add(
                "SP-14",
                a,
                "UNMAP_DMA argsz 23",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new UnmapDma(23, 0, WINDOW, MiB, Optional.empty())));
        add(
                "SP-15",
                a,
                "UNMAP_DMA with a flag",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, UnmapDma.of(WINDOW, MiB, UnmapDma.ALL)));
        add(
                "SP-16",
                a,
                "UNMAP_DMA of an iova in no window",
                Errno.ENXIO,
                s,
                f -> f.v2.ioctl(f.qemu, UnmapDma.of(1L << 40, MiB)));
        add(
                "SP-17",
                a,
                "UNMAP_DMA size not a multiple of the IOMMU page",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, UnmapDma.of(WINDOW, 4096)));
        add(
                "SP-18",
                a,
                "REGISTER_MEMORY argsz 23",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprRegisterMemory(23, 0, RAM + 32 * MiB, MiB)));
        add(
                "SP-19",
                a,
                "REGISTER_MEMORY with a flag",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprRegisterMemory(24, 1, RAM + 32 * MiB, MiB)));
        add(
                "SP-20",
                a,
                "REGISTER_MEMORY vaddr not page aligned",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(BIG + 4096, MiB)));
        add(
                "SP-21",
                a,
                "REGISTER_MEMORY size not page aligned",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(BIG, MiB + 4096)));
        add(
                "SP-22",
                a,
                "REGISTER_MEMORY vaddr + size wraps",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(-(1L << 20), 2 * MiB)));
        add(
                "SP-23",
                a,
                "REGISTER_MEMORY of a region this container registered",
                Errno.EBUSY,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(RAM, 32 * MiB)));
        add(
                "SP-24",
                a,
                "REGISTER_MEMORY overlapping a registered region",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(RAM + 16 * MiB, 16 * MiB)));
        add(
                "SP-25",
                a,
                "REGISTER_MEMORY of size 0",
                Errno.ENOMEM,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(BIG, 0)));
        add(
                "SP-26",
                a,
                "REGISTER_MEMORY of unbacked memory",
                Errno.EFAULT,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(HOLE, MiB)));
        add(
                "SP-27",
                a,
                "REGISTER_MEMORY of read-only memory (pinned for write)",
                Errno.EFAULT,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(RO, MiB)));
        add(
                "SP-28",
                a,
                "REGISTER_MEMORY of device memory",
                Errno.EFAULT,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(BAR, MiB)));
        add(
                "SP-29",
                a,
                "REGISTER_MEMORY over RLIMIT_MEMLOCK",
                Errno.ENOMEM,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprRegisterMemory.of(BIG, 64 * MiB)));
        add(
                "SP-30",
                a,
                "UNREGISTER_MEMORY of a region never registered",
                Errno.ENOENT,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprUnregisterMemory.of(BIG, MiB)));
        add(
                "SP-31",
                a,
                "UNREGISTER_MEMORY of a sub-range of a region",
                Errno.ENOENT,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprUnregisterMemory.of(RAM, 16 * MiB)));
        add(
                "SP-32",
                a,
                "UNREGISTER_MEMORY while TCEs still map into the region",
                Errno.EBUSY,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprUnregisterMemory.of(RAM, 32 * MiB)));
        add(
                "SP-33",
                a,
                "UNREGISTER_MEMORY before any address space was cached",
                Errno.EPERM,
                s,
                f -> {
                    f.scratch = f.fresh();
                    f.vfio.group(2).setContainer(f.qemu, f.scratch);
                    f.scratch.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
                },
                f -> f.scratch.ioctl(f.qemu, SpaprUnregisterMemory.of(RAM, 32 * MiB)));
        add(
                "SP-34",
                a,
                "MAP_DMA on a v2 container before any REGISTER_MEMORY",
                Errno.EPERM,
                s,
                f -> {
                    f.scratch = f.fresh();
                    f.vfio.group(2).setContainer(f.qemu, f.scratch);
                    f.scratch.setIommu(SpaprTceProvider.NAME, IommuType.SPAPR_TCE_v2);
                },
                f -> f.scratch.ioctl(f.qemu, MapDma.rw(RAM, 0, MiB)));
        add(
                "SP-35",
                a,
                "TCE_CREATE argsz 39",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprTceCreate(39, 0, 16, GiB, 1)));
        add(
                "SP-36",
                a,
                "TCE_CREATE with a flag",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprTceCreate(40, 1, 16, GiB, 1)));
        add(
                "SP-37",
                a,
                "TCE_CREATE with both slots in use",
                Errno.ENOSPC,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprTceCreate.of(16, GiB, 1)));
        add(
                "SP-38",
                a,
                "TCE_CREATE with an unsupported page shift (13)",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprTceRemove.of(WINDOW)),
                f -> f.v2.ioctl(f.qemu, SpaprTceCreate.of(13, GiB, 1)));
        add(
                "SP-39",
                a,
                "TCE_REMOVE argsz 15",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprTceRemove(15, 0, WINDOW)));
        add(
                "SP-40",
                a,
                "TCE_REMOVE with a flag",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprTceRemove(16, 1, WINDOW)));
        add(
                "SP-41",
                a,
                "TCE_REMOVE of an address in no window",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, SpaprTceRemove.of(1L << 40)));
        add(
                "SP-42",
                a,
                "ENABLE on a v2 container",
                Errno.ENOTTY,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprEnable()));
        add(
                "SP-43",
                a,
                "DISABLE on a v2 container",
                Errno.ENOTTY,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprDisable()));
        add(
                "SP-44",
                a,
                "REGISTER_MEMORY on a v1 container",
                Errno.ENOTTY,
                s,
                f -> f.v1.ioctl(f.qemu, SpaprRegisterMemory.of(RAM, MiB)));
        add(
                "SP-45",
                a,
                "TCE_CREATE on a v1 container",
                Errno.ENOTTY,
                s,
                f -> f.v1.ioctl(f.qemu, SpaprTceCreate.of(16, GiB, 1)));
        add(
                "SP-46",
                a,
                "ENABLE twice on a v1 container",
                Errno.EBUSY,
                s,
                f -> f.v1.ioctl(f.qemu, new SpaprEnable()));
        add(
                "SP-47",
                a,
                "MAP_DMA on a v1 container that is not enabled",
                Errno.EPERM,
                s,
                f -> f.v1.ioctl(f.qemu, new SpaprDisable()),
                f -> f.v1.ioctl(f.qemu, MapDma.rw(RAM, 0, MiB)));
        add(
                "SP-48",
                a,
                "GET_INFO argsz 15",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new SpaprTceGetInfo(15)));
        add(
                "SP-49",
                a,
                "EEH_PE_OP with an unknown operation (42)",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, EehPeOp.of(42)));
        add(
                "SP-50",
                a,
                "EEH_PE_OP with a flag",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new EehPeOp(12, 1, EehPeOp.GET_STATE, 0, 0, 0, 0)));
        add(
                "SP-51",
                a,
                "EEH_PE_OP INJECT_ERR with argsz 12",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, EehPeOp.of(EehPeOp.INJECT_ERR)));
        add(
                "SP-52",
                a,
                "EEH_PE_OP argsz 11",
                Errno.EINVAL,
                s,
                f -> f.v2.ioctl(f.qemu, new EehPeOp(11, 0, EehPeOp.GET_STATE, 0, 0, 0, 0)));
        add(
                "SP-53",
                a,
                "a second group joins a v1 container",
                Errno.EBUSY,
                s,
                f -> f.vfio.group(5).setContainer(f.qemu, f.v1));
        add(
                "SP-54",
                a,
                "a group without dynamic windows joins a v2 container",
                Errno.EINVAL,
                s,
                f -> f.vfio.group(5).setContainer(f.qemu, f.v2));
        add(
                "SP-55",
                a,
                "a group of another platform type joins",
                Errno.EPERM,
                s,
                f -> f.vfio.group(3).setContainer(f.qemu, f.v2));
        add(
                "SP-56",
                a,
                "an emulated (mdev) group joins without external-pinning",
                Errno.EINVAL,
                s,
                f ->
                        f.scratchGroup =
                                f.vfio.createVirtualGroup(
                                        GroupKind.EMULATED, "vgpu-x", new TestVendor(65536)),
                f -> f.scratchGroup.setContainer(f.qemu, f.v2));
        add(
                "SP-57",
                a,
                "a group without a TCE table group (not a POWER endpoint)",
                Errno.ENODEV,
                s,
                f -> f.vfio.group(6).setContainer(f.qemu, f.v2));
        Setup p = Setup.SPAPR_EXTERNAL_PINNING;
        add(
                "SP-58",
                a,
                "external pin of an iova whose TCE is empty",
                Errno.EINVAL,
                p,
                f -> f.vendor.device().pinPages(WINDOW + 2 * MiB, 1, DmaProt.RW, new long[1]));
        add(
                "SP-59",
                a,
                "external pin of an iova in no window",
                Errno.EINVAL,
                p,
                f -> f.vendor.device().pinPages(1L << 40, 1, DmaProt.RW, new long[1]));
        add(
                "SP-60",
                a,
                "external unpin of a page the device does not hold",
                Errno.EINVAL,
                p,
                f -> f.vendor.device().unpinPages(WINDOW + 65536 * 4, 1));
        add(
                "SP-61",
                a,
                "external WRITE pin of an entry mapped READ only",
                Errno.EINVAL,
                p,
                f -> f.v2.ioctl(f.qemu, MapDma.of(RAM + MiB, WINDOW + MiB, MiB, MapDma.READ)),
                f -> f.vendor.device().pinPages(WINDOW + MiB, 1, DmaProt.WRITE, new long[1]));
        add(
                "SP-62",
                a,
                "external pin of 8193 pages, above PAGE_SIZE/8 (8192 on 64 KiB pages)",
                Errno.E2BIG,
                p,
                f -> f.vendor.device().pinPages(WINDOW, 8193, DmaProt.RW, new long[8193]));
        add(
                "SP-63",
                a,
                "external pin of an unaligned iova",
                Errno.EINVAL,
                p,
                f -> f.vendor.device().pinPages(WINDOW + 4096, 1, DmaProt.RW, new long[1]));
    }

    // ------------------------------------------------------------------ API misuse

    private void npe(String id, String area, String desc, Setup s, Request p, Request r) {
        rows.add(new Row(id, area, desc, NullPointerException.class.getSimpleName(), s, p, r));
    }

    private void misuse() {
        Setup t = Setup.TYPE1;
        String a = "API misuse";
        Request removed =
                f -> {
                    f.scratchGroup =
                            f.vfio.createVirtualGroup(
                                    GroupKind.EMULATED, "gone-0", VfioDeviceDriver.PASSTHROUGH);
                    f.vfio.removeVirtualGroup(f.scratchGroup);
                    f.scratch = f.fresh();
                };
        add(
                "API-01",
                a,
                "SET_CONTAINER of a removed emulated group",
                Errno.ENODEV,
                t,
                removed,
                f -> f.scratchGroup.setContainer(f.qemu, f.scratch));
        add(
                "API-02",
                a,
                "remove an emulated group a second time",
                Errno.ENODEV,
                t,
                removed,
                f -> f.vfio.removeVirtualGroup(f.scratchGroup));
        npe(
                "API-03",
                a,
                "create a virtual group with a null driver",
                t,
                NOTHING,
                f -> f.vfio.createVirtualGroup(GroupKind.EMULATED, "null-0", null));
        npe(
                "API-04",
                a,
                "SET_CONTAINER with a null caller",
                t,
                f -> f.scratch = f.fresh(),
                f -> f.vfio.group(6).setContainer(null, f.scratch));
        npe(
                "API-05",
                a,
                "container ioctl with a null caller",
                t,
                NOTHING,
                f -> f.pt.ioctl(null, MapDma.rw(RAM, 0, MiB)));
        npe(
                "API-06",
                a,
                "container ioctl with a null command",
                t,
                NOTHING,
                f -> f.pt.ioctl(f.qemu, null));
    }
}
