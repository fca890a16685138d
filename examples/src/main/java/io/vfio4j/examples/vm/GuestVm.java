package io.vfio4j.examples.vm;

import io.vfio4j.api.IommuType;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.examples.drivers.GuestMemory;
import io.vfio4j.examples.drivers.LeakyVgpuDriver;
import io.vfio4j.examples.drivers.PassthroughGpu;
import io.vfio4j.examples.drivers.VgpuDriver;
import io.vfio4j.examples.drivers.VgpuGuest;
import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.HotPlug;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One simulated VM as in docs/reference/type1-mdev.md §4.6: a host with one or two passthrough GPUs
 * (IOMMU groups 1 and 2), a QEMU process with guest RAM A and B and a BAR C mapped at {@link
 * ReviewFixture#VADDR_BASE} + IOVA, a container, and a vGPU parent (0000:65:00.0, driver {@link
 * VgpuDriver}) on an mdev bus. The first device attached sets the container's IOMMU (type1,
 * TYPE1v2), as QEMU does at start; later ones are hot plugged.
 */
public final class GuestVm implements GuestMemory, AutoCloseable {
    public static final String VGPU_PARENT = "0000:65:00.0";

    private final SimHost host;
    private final Vfio vfio;
    private final SimProcess qemu;
    private final VfioContainer container;
    private final MdevBus mdevBus;
    private final HotPlug hotPlug;
    private final MdevParent vgpuParent;
    private final List<PassthroughGpu> gpus = new ArrayList<>();
    private final Map<Integer, VfioDevice> openGpus = new HashMap<>();
    private final String backend;

    private GuestVm(Builder b) {
        backend = b.backend;
        host = SimHost.builder().pageSize(ReviewFixture.P).build();
        for (int i = 1; i <= b.gpus; i++) {
            String dev = String.format("0000:%02x:00.0", i);
            // A second GPU behind another IOMMU driver cannot share the first one's domain.
            String driver = i > 1 && b.separateDomains ? "amd-iommu" : "intel-iommu";
            host.addIommuGroup(IommuGroupSpec.builder().id(i).devices(dev).driver(driver).build());
        }
        vfio =
                Vfio.builder()
                        .host(host)
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(
                                                VfioConfiguration.CHECK_INVARIANTS,
                                                Boolean.toString(b.checkInvariants))))
                        .build();
        qemu =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu")
                                .memlockLimitBytes(b.memlockLimitBytes)
                                .build());
        for (Mapping m : Mapping.values()) {
            qemu.mmap(
                    m.isBar()
                            ? RegionSpec.device(m.vaddr(), m.size())
                            : RegionSpec.anonymous(m.vaddr(), m.size()));
        }
        container = vfio.openContainer();
        mdevBus = new MdevBus(vfio);
        hotPlug = new HotPlug(mdevBus);
        VgpuDriver driver =
                b.leakyVgpuPages > 0
                        ? new LeakyVgpuDriver(host, b.leakyVgpuPages)
                        : new VgpuDriver(host);
        vgpuParent = mdevBus.registerParent(VGPU_PARENT, driver, VgpuDriver.TYPES);
        for (int i = 1; i <= b.gpus; i++) {
            SimHost h = host;
            int id = i;
            gpus.add(
                    new PassthroughGpu(
                            h,
                            h.iommuGroup(id).orElseThrow(),
                            h.iommuGroup(id).orElseThrow().devices().get(0)));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public SimHost host() {
        return host;
    }

    public Vfio vfio() {
        return vfio;
    }

    public SimProcess qemu() {
        return qemu;
    }

    public VfioContainer container() {
        return container;
    }

    public MdevBus mdevBus() {
        return mdevBus;
    }

    public HotPlug hotPlug() {
        return hotPlug;
    }

    /** The vGPU type the VM uses: {@code <driver>-v100-4q}. */
    public MdevType vgpuType() {
        return vgpuParent.types().get(1);
    }

    /** The simulated GPU {@code n} (1-based), doing DMA through its IOMMU group's domain. */
    public PassthroughGpu gpu(int n) {
        return gpus.get(n - 1);
    }

    /** The VFIO group of GPU {@code n}. */
    public VfioGroup gpuGroup(int n) {
        return vfio.group(n);
    }

    /** True once the container has its IOMMU backend (the VM is running). */
    public boolean isRunning() {
        return container.backendName().isPresent();
    }

    /**
     * Attaches GPU {@code n} and opens it: at start (SET_IOMMU follows the attach) or as a hot
     * plug.
     */
    public VfioDevice attachGpu(int n) {
        VfioGroup g = gpuGroup(n);
        String dev = gpu(n).device();
        VfioDevice d;
        if (isRunning()) {
            d = hotPlug.plugPassthrough(g, dev, qemu, container);
        } else {
            g.setContainer(qemu, container);
            container.setIommu(backend, IommuType.TYPE1v2);
            d = g.openDevice(dev);
        }
        openGpus.put(n, d);
        return d;
    }

    /** Hot unplugs GPU {@code n}: close, detach. */
    public void detachGpu(int n) {
        VfioDevice d = openGpus.remove(n);
        if (d == null) {
            throw new IllegalStateException("GPU " + n + " is not attached");
        }
        hotPlug.unplugPassthrough(d);
    }

    /** Creates a vGPU and attaches and opens it: at start or as a hot plug. */
    public MdevDevice attachVgpu(UUID uuid) {
        if (isRunning()) {
            return hotPlug.plugMdev(vgpuType(), uuid, qemu, container);
        }
        MdevDevice d = mdevBus.create(vgpuType(), uuid);
        d.group().setContainer(qemu, container);
        container.setIommu(backend, IommuType.TYPE1v2);
        d.group().openDevice(d.name());
        return d;
    }

    /** Hot unplugs a vGPU: close (the vendor unpins), detach, remove. */
    public void detachVgpu(MdevDevice vgpu) {
        hotPlug.unplugMdev(vgpu);
    }

    /** The guest's driver for {@code vgpu}, talking to it through this VM's memory. */
    public VgpuGuest vgpuGuest(MdevDevice vgpu) {
        return new VgpuGuest(vgpu, this);
    }

    /** {@code VFIO_IOMMU_MAP_DMA} of one mapping, read-write. */
    public void map(Mapping m) {
        container.ioctl(qemu, MapDma.rw(m.vaddr(), m.iova(), m.size()));
    }

    public void mapAll() {
        for (Mapping m : Mapping.values()) {
            map(m);
        }
    }

    /** {@code VFIO_IOMMU_UNMAP_DMA} of one mapping. */
    public void unmap(Mapping m) {
        container.ioctl(qemu, UnmapDma.of(m.iova(), m.size()));
    }

    public void unmapAll() {
        for (Mapping m : Mapping.values()) {
            unmap(m);
        }
    }

    /** QEMU's {@code locked_vm} in pages. */
    public long lockedVm() {
        return qemu.simAddressSpace().orElseThrow().lockedVm();
    }

    /** The container's {@code dma_avail} (GET_INFO capability 3). */
    public long dmaAvail() {
        GetInfo.Info info = container.ioctl(qemu, GetInfo.full());
        return info.capabilities().stream()
                .filter(c -> c instanceof GetInfo.DmaAvailCap)
                .map(c -> ((GetInfo.DmaAvailCap) c).avail())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("GET_INFO has no DMA_AVAIL"));
    }

    /** The guest's CPU writes guest memory (QEMU's user mapping of it). */
    @Override
    public void write(long gpa, byte[] data) {
        qemu.write(ReviewFixture.VADDR_BASE + gpa, data);
    }

    /** The guest's CPU reads guest memory. */
    @Override
    public byte[] read(long gpa, int length) {
        return qemu.read(ReviewFixture.VADDR_BASE + gpa, length);
    }

    @Override
    public void close() {
        vfio.close();
    }

    /**
     * Options of a {@link GuestVm}; the defaults are the docs/reference/type1-mdev.md §4.6 fixture.
     */
    public static final class Builder {
        private long memlockLimitBytes = ReviewFixture.RLIMIT_BYTES;
        private int gpus = 1;
        private boolean separateDomains = true;
        private int leakyVgpuPages;
        private boolean checkInvariants = true;
        private String backend = "type1";

        private Builder() {}

        /**
         * The backend that serves the VM's TYPE1v2 container (default {@code type1}; {@code
         * iommufd} for iommufd's compat container).
         */
        public Builder backend(String name) {
            this.backend = java.util.Objects.requireNonNull(name, "name");
            return this;
        }

        /** QEMU's RLIMIT_MEMLOCK (default 4 GiB + 64 MiB). */
        public Builder memlockLimitBytes(long bytes) {
            this.memlockLimitBytes = bytes;
            return this;
        }

        /** Passthrough GPUs on the host, 1 or 2 (default 1). */
        public Builder gpus(int count) {
            if (count < 1 || count > 2) {
                throw new IllegalArgumentException("1 or 2 GPUs: " + count);
            }
            this.gpus = count;
            return this;
        }

        /** Whether a second GPU needs a domain of its own (default true). */
        public Builder separateDomains(boolean separate) {
            this.separateDomains = separate;
            return this;
        }

        /** Use the {@link LeakyVgpuDriver}, leaking this many pages per device at close. */
        public Builder leakyVgpuPages(int pages) {
            this.leakyVgpuPages = pages;
            return this;
        }

        /** Prove the accounting invariants after every operation (slower). */
        public Builder checkInvariants(boolean check) {
            this.checkInvariants = check;
            return this;
        }

        public GuestVm build() {
            return new GuestVm(this);
        }
    }
}
