package io.vfio4j.examples.embedding;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevDeviceOps;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.MdevVendorDriver;
import io.vfio4j.mdev.PinnedPages;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The example of docs/embedding.md: an mdev pins guest pages in a type1 container. */
public final class EmbeddingExample {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingExample.class);

    static final long GUEST_RAM_VADDR = 0x7f00_0000_0000L;
    static final long GUEST_RAM = 16L << 20;
    static final UUID VGPU = UUID.fromString("9a0c6f8e-3c1d-4e55-8f0b-5c3a1e7d2b10");

    /** What the example measured. */
    public record Result(
            long lockedVmWhilePinned,
            long lockedVmAfterClose,
            long pinnedFramesAfterClose,
            List<VendorLeak> leaks) {}

    private EmbeddingExample() {}

    public static void main(String[] args) {
        Result r = run(2);
        LOG.info("locked_vm while pinned: {} pages", r.lockedVmWhilePinned());
        LOG.info(
                "after close: locked_vm {} pages, {} pinned frames",
                r.lockedVmAfterClose(),
                r.pinnedFramesAfterClose());
        r.leaks().forEach(leak -> LOG.info("vendor leak: {}", leak));
    }

    /** Pins 8 pages through a vendor driver that forgets {@code forgottenPins} of them at close. */
    public static Result run(int forgottenPins) {
        // A host with 4 KiB pages and a VMM process with 16 MiB of guest RAM.
        SimHost host = SimHost.builder().build();
        SimProcess vmm =
                host.spawnProcess(
                        ProcessSpec.builder().name("vmm").memlockLimitBytes(GUEST_RAM).build());
        vmm.mmap(RegionSpec.anonymous(GUEST_RAM_VADDR, GUEST_RAM));
        SimAddressSpace mm = vmm.simAddressSpace().orElseThrow();

        // The runtime: backends from the class path (type1, SPAPR TCE), explicit settings only.
        Vfio vfio =
                Vfio.builder()
                        .host(host)
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                        .build();

        // A vendor driver registers its parent device; the administrator creates an mdev.
        MdevBus bus = new MdevBus(vfio);
        DemoVendor vendor = new DemoVendor(host.pageSize(), forgottenPins);
        MdevParent parent =
                bus.registerParent(
                        "0000:65:00.0",
                        vendor,
                        List.of(new MdevTypeSpec("small", "a demo vGPU", 1)));
        MdevDevice mdev = bus.create(parent.requireType("demo-small"), VGPU);

        // The VMM: a type1 container with the mdev's group, guest RAM mapped at IOVA 0.
        VfioContainer container = vfio.openContainer();
        VfioGroup group = mdev.group();
        group.setContainer(vmm, container);
        container.setIommu(IommuType.TYPE1v2);
        container.ioctl(vmm, MapDma.rw(GUEST_RAM_VADDR, 0, GUEST_RAM));
        VfioDevice device = group.openDevice(mdev.name());

        // The vendor pins 8 guest pages; with no IOMMU domain in the container they are charged.
        vendor.pages(device).pinRange(0, 8, DmaProt.RW);
        long lockedWhilePinned = mm.lockedVm();

        // Close releases everything, as process exit closes every file descriptor.
        vfio.close();
        return new Result(
                lockedWhilePinned,
                mm.lockedVm(),
                host.memory().totalPinnedFrames(),
                vfio.vendorLeaks());
    }

    /** A vendor driver whose devices pin through {@link PinnedPages}. */
    static final class DemoVendor implements MdevVendorDriver {
        private final long pageSize;
        private final int forgottenPins;
        private final Map<VfioDevice, PinnedPages> open = new java.util.HashMap<>();

        DemoVendor(long pageSize, int forgottenPins) {
            this.pageSize = pageSize;
            this.forgottenPins = forgottenPins;
        }

        @Override
        public String name() {
            return "demo";
        }

        synchronized PinnedPages pages(VfioDevice device) {
            return open.get(device);
        }

        @Override
        public MdevDeviceOps create(MdevDevice mdev) {
            return new MdevDeviceOps() {
                @Override
                public boolean pinsPages() {
                    return true;
                }

                @Override
                public void open(VfioDevice device) {
                    synchronized (DemoVendor.this) {
                        open.put(device, new PinnedPages(device, pageSize));
                    }
                }

                @Override
                public void dmaUnmap(long iova, long length) {
                    pages(mdev.vfioDevice()).releaseRange(iova, length);
                }

                @Override
                public void close(VfioDevice device) {
                    PinnedPages pages;
                    synchronized (DemoVendor.this) {
                        pages = open.remove(device);
                    }
                    // The bug this example shows: the last forgottenPins pages stay pinned.
                    long[] iovas = pages.iovas();
                    Arrays.sort(iovas);
                    for (int i = 0; i < iovas.length - forgottenPins; i++) {
                        pages.unpin(iovas[i], 1);
                    }
                }

                @Override
                public long regionSize() {
                    return 4096;
                }

                @Override
                public byte[] read(long offset, int length) {
                    return new byte[length];
                }

                @Override
                public void write(long offset, byte[] data) {}
            };
        }
    }
}
