package io.vfio4j.oracle;

import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.DirtyBitmapRequest;
import io.vfio4j.api.command.DirtyPages;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.api.host.IovaRange;
import io.vfio4j.api.host.Task;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Runs a probe scenario on the model, on a simulated host shaped like the oracle guest: one IOMMU
 * group behind an Intel IOMMU as QEMU emulates it (39-bit aperture, 4 KiB/2 MiB/1 GiB pages, the
 * MSI window reserved), a 4 KiB-page x86 host, a root process (CAP_IPC_LOCK, 8 MiB RLIMIT_MEMLOCK,
 * the kernel's default since 5.16) that the scenario's first operations adjust.
 */
public final class ModelProbe {
    /** The guest's Intel IOMMU as QEMU 7.2 emulates it with its default 39 address bits. */
    public static final IovaRange GUEST_APERTURE = new IovaRange(0, (1L << 39) - 1);

    public static final long GUEST_PAGE_SIZES = 0x40201000L;
    static final long START_MEMLOCK = 8L << 20;

    /** The passthrough device's name in the model (the guest's e1000e has its own BDF). */
    static final String PT_DEVICE = "0000:00:03.0";

    private final String kernelEra;
    private final int group;

    /**
     * @param kernelEra the model's {@code vfio4j.kernel}, e.g. {@code 6.12}
     * @param group the IOMMU group number the guest reported (names only; behaviour is the same)
     */
    public ModelProbe(String kernelEra, int group) {
        this.kernelEra = kernelEra;
        this.group = group;
    }

    public ScenarioResults run(ProbeScenario scenario) {
        // The host's memory management follows the era too (6.1 pins the zero page uncharged).
        SimHost host = SimHost.builder().kernel(KernelVersion.parse(kernelEra)).build();
        host.addIommuGroup(
                IommuGroupSpec.builder()
                        .id(group)
                        .devices(PT_DEVICE)
                        .pageSizeBitmap(GUEST_PAGE_SIZES)
                        .aperture(GUEST_APERTURE)
                        .reservedRegions(List.of(IommuGroupSpec.X86_MSI))
                        // QEMU's intel-iommu offers no snoop control unless asked to
                        // (snoop-control=on): the domain cannot enforce cache coherency.
                        .enforceCacheCoherency(false)
                        .build());
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(VfioConfiguration.KERNEL, kernelEra);
        keys.put(VfioConfiguration.CHECK_INVARIANTS, "true");
        List<ProbeResult> results = new ArrayList<>();
        try (Vfio vfio =
                Vfio.builder().host(host).configuration(VfioConfiguration.of(keys)).build()) {
            SimProcess process =
                    host.spawnProcess(
                            ProcessSpec.builder()
                                    .name("probe")
                                    .memlockLimitBytes(START_MEMLOCK)
                                    .capIpcLock(true)
                                    .build());
            VfioContainer container = vfio.openContainer();
            VfioGroup g = vfio.group(group);
            ModelMdevs mdevs =
                    scenario.ops().stream().anyMatch(ProbeOp::mdev) ? new ModelMdevs(vfio) : null;
            for (ProbeOp op : scenario.ops()) {
                Map<String, String> values = new LinkedHashMap<>();
                String errno = "0";
                // The probe reports an exit before it exits: locked_vm as it was then.
                long before = lockedKb(process);
                try {
                    if (mdevs != null && op.mdev() && !op.op().startsWith("pt_")) {
                        mdevs.run(op, process, container, values);
                    } else {
                        run(op, process, container, g, values);
                    }
                } catch (VfioException e) {
                    errno = e.errno().name();
                } catch (KernelBugError e) {
                    // the guest's probe would never come back; nothing after it runs
                    values.put("bug", e.getMessage().replace(' ', '_'));
                    results.add(new ProbeResult(op.id(), "KERNEL_BUG", before, values));
                    break;
                }
                if (mdevs != null && op.op().equals("unmap")) {
                    mdevs.counters(values); // the probe adds them after the unmap, failed or not
                }
                if (op.op().equals("exit")) {
                    // The exit closes the process's files as the kernel does (vfio_group_fops
                    // release unsets the container), then the group must be free again.
                    if (g.container().isPresent()) {
                        g.unsetContainer();
                    }
                    values.put("reopen", g.container().isPresent() ? "EBUSY" : "0");
                    results.add(new ProbeResult(op.id(), errno, before, values));
                    break;
                }
                results.add(new ProbeResult(op.id(), errno, lockedKb(process), values));
            }
        }
        return new ScenarioResults(scenario.name(), results, Optional.empty(), 0);
    }

    /** locked_vm in KiB (4 KiB pages), as VmLck shows it. */
    private static long lockedKb(SimProcess p) {
        return p.simAddressSpace().map(s -> s.lockedVm() * 4).orElse(0L);
    }

    private static void run(
            ProbeOp op,
            SimProcess process,
            VfioContainer container,
            VfioGroup group,
            Map<String, String> out) {
        switch (op.op()) {
            case "mmap" -> {
                if (!op.args().get(2).equals("none")) {
                    RegionSpec r = RegionSpec.anonymous(op.num(0), op.num(1));
                    process.mmap(op.args().get(2).equals("r") ? r.readOnly() : r);
                }
            }
            case "munmap" -> process.munmap(op.num(0), op.num(1));
            case "touch" -> {
                for (long off = 0; off < op.num(1); off += 4096) {
                    process.write(op.num(0) + off, new byte[] {1});
                }
            }
            case "attach" -> group.setContainer(process, container);
            case "detach" -> group.unsetContainer();
            case "set_iommu" -> container.setIommu(op.num(0));
            case "check_ext" ->
                    out.put("value", Long.toString(container.checkExtension(process, op.num(0))));
            case "map" ->
                    container.ioctl(
                            process,
                            new MapDma(
                                    (int) op.num(4),
                                    (int) op.num(3),
                                    op.num(0),
                                    op.num(1),
                                    op.num(2)));
            case "unmap" -> unmap(op, process, container, out);
            case "info" -> info(container.ioctl(process, new GetInfo((int) op.num(0))), out);
            case "dirty" -> dirty(op, process, container, out);
            case "rlimit" ->
                    process.setMemlockLimitBytes(
                            op.args().get(0).equals("unlimited") ? Task.UNLIMITED : op.num(0));
            case "cap_ipc_lock" -> process.setCapIpcLock(op.num(0) != 0);
            case "exit" -> process.exit();
            case "pt_open" -> group.openDevice(PT_DEVICE);
            case "pt_close" -> {
                VfioDevice d = group.device(PT_DEVICE);
                if (!d.isOpen()) {
                    throw VfioException.of(Errno.EBADF, "the passthrough device is not open");
                }
                d.close();
            }
            default -> throw new IllegalStateException(op.op());
        }
    }

    private static Optional<DirtyBitmapRequest> bitmap(long size, long pgsize) {
        long pages = pgsize == 0 ? 0 : Long.divideUnsigned(size, pgsize);
        return Optional.of(new DirtyBitmapRequest(pgsize, ((pages + 63) / 64) * 8));
    }

    private static void unmap(ProbeOp op, SimProcess p, VfioContainer c, Map<String, String> out) {
        int flags = (int) op.num(2);
        Optional<DirtyBitmapRequest> bitmap =
                (flags & UnmapDma.GET_DIRTY_BITMAP) != 0
                        ? bitmap(op.num(1), op.num(4))
                        : Optional.empty();
        UnmapDma.Result r =
                c.ioctl(p, new UnmapDma((int) op.num(3), flags, op.num(0), op.num(1), bitmap));
        out.put("unmapped", "0x" + Long.toHexString(r.unmappedBytes()));
        r.dirtyBitmap().ifPresent(b -> out.put("dirty", Long.toString(bits(b))));
    }

    private static void dirty(ProbeOp op, SimProcess p, VfioContainer c, Map<String, String> out) {
        int flags = (int) op.num(0);
        Optional<DirtyBitmapRequest> bitmap =
                (flags & DirtyPages.GET_BITMAP) != 0
                        ? bitmap(op.num(3), op.num(4))
                        : Optional.empty();
        DirtyPages.Result r =
                c.ioctl(p, new DirtyPages((int) op.num(1), flags, op.num(2), op.num(3), bitmap));
        r.bitmap().ifPresent(b -> out.put("dirty", Long.toString(bits(b))));
    }

    private static long bits(long[] words) {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    private static void info(GetInfo.Info info, Map<String, String> out) {
        out.put("argsz", Integer.toString(info.argsz()));
        out.put("flags", "0x" + Integer.toHexString(info.flags()));
        out.put("pgsizes", "0x" + Long.toHexString(info.pageSizes()));
        if (!info.complete()) {
            return; // the chain did not fit: the kernel raised argsz and copied no capability
        }
        for (GetInfo.Capability cap : info.capabilities()) {
            if (cap instanceof GetInfo.IovaRangeCap r) {
                StringJoiner j = new StringJoiner(",");
                r.ranges()
                        .forEach(
                                x ->
                                        j.add(
                                                "0x"
                                                        + Long.toHexString(x.start())
                                                        + "-0x"
                                                        + Long.toHexString(x.end())));
                out.put("ranges", j.toString());
            } else if (cap instanceof GetInfo.DmaAvailCap a) {
                out.put("dma_avail", Long.toString(a.avail()));
            } else if (cap instanceof GetInfo.MigrationCap m) {
                out.put("migration", "1");
                out.put("mig_pgsizes", "0x" + Long.toHexString(m.pageSizeBitmap()));
                out.put("mig_max", "0x" + Long.toHexString(m.maxDirtyBitmapSize()));
            }
        }
    }
}
