package io.vfio4j.system;

import static io.vfio4j.system.Sys.MiB;
import static io.vfio4j.system.Sys.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import io.vfio4j.api.command.MapDma;
import io.vfio4j.api.command.UnmapDma;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.core.VfioModule;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import io.vfio4j.type1.Type1Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * {@link Vfio#close()} releases everything as process exit does, later calls are refused, misuse is
 * refused consistently, and an application's Guice module overrides the event sink and adds a
 * backend.
 */
class RuntimeCloseTest {
    private static final long VADDR = 0x7f00_0000_0000L;
    private static final long RAM = 16 * MiB;
    private static final long RAM_PAGES = RAM / 4096;

    private final SimHost host = Sys.x86(1);
    private final SimProcess qemu =
            host.spawnProcess(
                    ProcessSpec.builder().name("qemu").memlockLimitBytes(64 * MiB).build());

    RuntimeCloseTest() {
        qemu.mmap(RegionSpec.anonymous(VADDR, RAM));
    }

    private long lockedVm() {
        return qemu.simAddressSpace().orElseThrow().lockedVm();
    }

    /** A pinning vendor that unpins on DMA-unmap but keeps its last {@code leak} pages at close. */
    static final class LeakyVendor implements VfioDeviceDriver {
        private final int leak;
        private final TreeSet<Long> held = new TreeSet<>();
        private VfioDevice device;

        LeakyVendor(int leak) {
            this.leak = leak;
        }

        @Override
        public synchronized void open(VfioDevice d) {
            device = d;
        }

        synchronized void pin(long iova, int npage) {
            device.pinPages(iova, npage, DmaProt.RW, new long[npage]);
            for (int i = 0; i < npage; i++) {
                held.add(iova + i * 4096L);
            }
        }

        @Override
        public synchronized void close(VfioDevice d) {
            while (held.size() > leak) {
                d.unpinPages(held.pollFirst(), 1);
            }
            device = null;
        }

        @Override
        public Optional<DmaUnmapListener> dmaUnmapListener() {
            return Optional.of(this::unmapped);
        }

        private synchronized void unmapped(long iova, long length) {
            for (Long page : new ArrayList<>(held.subSet(iova, iova + length))) {
                device.unpinPages(page, 1);
                held.remove(page);
            }
        }
    }

    /** The passthrough group 1 in one container, a vendor's emulated group in another. */
    private record World(
            Vfio vfio,
            VfioContainer passthrough,
            VfioGroup gpu,
            VfioDevice gpuDevice,
            VfioContainer mdev,
            VfioGroup vgpu,
            VfioDevice vgpuDevice,
            LeakyVendor vendor) {}

    private World start(Vfio vfio, int leak) {
        VfioContainer a = vfio.openContainer();
        VfioGroup gpu = vfio.group(1);
        gpu.setContainer(qemu, a);
        a.setIommu(IommuType.TYPE1v2);
        a.ioctl(qemu, MapDma.rw(VADDR, 0, RAM));
        VfioDevice gpuDevice = gpu.openDevice(gpu.devices().get(0).name());

        LeakyVendor vendor = new LeakyVendor(leak);
        VfioContainer b = vfio.openContainer();
        VfioGroup vgpu = vfio.createVirtualGroup(GroupKind.EMULATED, "vgpu-0", vendor);
        vgpu.setContainer(qemu, b);
        b.setIommu(IommuType.TYPE1v2);
        b.ioctl(qemu, MapDma.rw(VADDR, 0, RAM));
        VfioDevice vgpuDevice = vgpu.openDevice("vgpu-0");
        vendor.pin(0, 4);
        return new World(vfio, a, gpu, gpuDevice, b, vgpu, vgpuDevice, vendor);
    }

    @Test
    void closeReleasesEveryContainerAndReportsTheVendorsLeftoverPins() {
        Vfio vfio = Sys.vfio(host);
        World w = start(vfio, 2);
        // The passthrough container charges the whole RAM; the mdev-only one charges its 4 pins.
        assertThat(lockedVm()).isEqualTo(RAM_PAGES + 4);
        assertThat(host.memory().totalPinnedFrames()).isEqualTo(RAM_PAGES);

        vfio.close();

        assertThat(vfio.isClosed()).isTrue();
        assertThat(lockedVm()).isZero();
        assertThat(host.memory().totalPinnedFrames()).isZero();
        assertThat(host.memory().totalPins()).isZero();
        assertThat(vfio.vendorLeaks())
                .containsExactly(new VendorLeak("type1", "vgpu-0", List.of(0x2000L, 0x3000L), 2));
        assertThat(w.gpuDevice().isOpen()).isFalse();
        assertThat(w.vgpuDevice().isOpen()).isFalse();
        for (VfioContainer c : List.of(w.passthrough(), w.mdev())) {
            assertThat(c.groups()).isEmpty();
            assertThat(c.backendName()).isEmpty();
            assertThat(c.state()).isEmpty();
        }
        assertThat(w.gpu().container()).isEmpty();
        assertThat(w.vgpu().container()).isEmpty();
        assertThat(vfio.warnings()).isEmpty();
        // A second close does nothing.
        vfio.close();
        assertThat(vfio.vendorLeaks()).hasSize(1);
    }

    @Test
    void closeWithAWellBehavedVendorLeavesNoLeak() {
        Vfio vfio = Sys.vfio(host);
        start(vfio, 0);
        vfio.close();
        assertThat(lockedVm()).isZero();
        assertThat(host.memory().totalPinnedFrames()).isZero();
        assertThat(vfio.vendorLeaks()).isEmpty();
    }

    @Test
    void everyLaterCallOnTheRuntimeItsContainersGroupsAndDevicesIsRefused() {
        Vfio vfio = Sys.vfio(host);
        World w = start(vfio, 0);
        VfioContainer empty = vfio.openContainer();
        vfio.close();
        List<ThrowingCallable> calls =
                List.of(
                        vfio::openContainer,
                        () -> vfio.group(1),
                        () ->
                                vfio.createVirtualGroup(
                                        GroupKind.EMULATED, "x", VfioDeviceDriver.PASSTHROUGH),
                        () -> vfio.removeVirtualGroup(w.vgpu()),
                        () -> w.passthrough().ioctl(qemu, MapDma.rw(VADDR, 0, RAM)),
                        () -> w.passthrough().ioctl(qemu, UnmapDma.of(0, RAM)),
                        () -> w.passthrough().checkExtension(qemu, 1),
                        () -> empty.setIommu(IommuType.TYPE1v2),
                        empty::setIommu,
                        () -> empty.setIommu("type1", IommuType.TYPE1v2),
                        () -> w.gpu().setContainer(qemu, empty),
                        () -> w.gpu().unsetContainer(),
                        () -> w.gpu().openDevice(w.gpuDevice().name()),
                        () -> w.vgpuDevice().pinPages(0, 1, DmaProt.RW, new long[1]),
                        () -> w.vgpuDevice().unpinPages(0, 1),
                        () -> w.vgpuDevice().dmaRw(0, new byte[8], 0, 8, false),
                        () -> w.gpuDevice().close());
        for (ThrowingCallable call : calls) {
            assertThatThrownBy(call)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("this Vfio is closed");
        }
        assertThat(lockedVm()).isZero();
        assertThat(host.memory().totalPinnedFrames()).isZero();
    }

    @Test
    void aRemovedVirtualGroupCannotBeAttachedNorRemovedAgain() {
        try (Vfio vfio = Sys.vfio(host)) {
            VfioContainer c = vfio.openContainer();
            VfioGroup g =
                    vfio.createVirtualGroup(
                            GroupKind.EMULATED, "vgpu-0", VfioDeviceDriver.PASSTHROUGH);
            vfio.removeVirtualGroup(g);
            assertThat(g.isRemoved()).isTrue();
            assertThat(g.devices()).isEmpty();
            assertThat(vfio.groups()).isEmpty();
            assertErrno(() -> g.setContainer(qemu, c), Errno.ENODEV);
            assertErrno(() -> vfio.removeVirtualGroup(g), Errno.ENODEV);
            assertThat(c.groups()).isEmpty();
            assertThat(g.container()).isEmpty();
        }
    }

    @Test
    void nullArgumentsAreRefusedWithTheParametersName() {
        try (Vfio vfio = Sys.vfio(host)) {
            VfioContainer c = vfio.openContainer();
            VfioGroup g = vfio.group(1);
            Map<String, ThrowingCallable> calls =
                    Map.of(
                            "driver",
                            () -> vfio.createVirtualGroup(GroupKind.EMULATED, "x", null),
                            "kind",
                            () -> vfio.createVirtualGroup(null, "x", VfioDeviceDriver.PASSTHROUGH),
                            "group",
                            () -> vfio.removeVirtualGroup(null),
                            "caller",
                            () -> g.setContainer(null, c),
                            "container",
                            () -> g.setContainer(qemu, null),
                            "command",
                            () -> c.ioctl(qemu, null),
                            "type",
                            () -> c.setIommu((IommuType) null));
            calls.forEach(
                    (name, call) ->
                            assertThatThrownBy(call)
                                    .isInstanceOf(NullPointerException.class)
                                    .hasMessage(name));
            assertThatThrownBy(() -> c.ioctl(null, MapDma.rw(VADDR, 0, RAM)))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("caller");
            // No trace: no group was created, nothing attached.
            assertThat(vfio.groups()).containsExactly(g);
            assertThat(c.groups()).isEmpty();
            assertThat(g.container()).isEmpty();
        }
    }

    @Test
    void anApplicationsEventSinkReceivesTheVendorLeaks() {
        List<VendorLeak> received = new ArrayList<>();
        VfioEventSink sink =
                new VfioEventSink() {
                    @Override
                    public void vendorLeak(VendorLeak leak) {
                        received.add(leak);
                    }

                    @Override
                    public void taint(String reason) {}
                };
        Vfio vfio =
                Vfio.builder()
                        .host(host)
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                        .modules(
                                new AbstractModule() {
                                    @Override
                                    protected void configure() {
                                        bind(VfioEventSink.class).toInstance(sink);
                                    }
                                })
                        .build();
        World w = start(vfio, 3);
        w.vgpuDevice().close();
        w.vgpu().unsetContainer();
        VendorLeak expected =
                new VendorLeak("type1", "vgpu-0", List.of(0x1000L, 0x2000L, 0x3000L), 3);
        assertThat(received).containsExactly(expected);
        assertThat(vfio.vendorLeaks()).containsExactly(expected);
        vfio.close();
        assertThat(received).containsExactly(expected);
        assertThat(lockedVm()).isZero();
    }

    @Test
    void anApplicationsModuleAddsABackend() {
        Type1Provider type1 = new Type1Provider();
        try (Vfio vfio =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                        .modules(
                                new AbstractModule() {
                                    @Override
                                    protected void configure() {
                                        VfioModule.providers(binder())
                                                .addBinding()
                                                .toInstance(type1);
                                    }
                                })
                        .build()) {
            assertThat(vfio.backends().backends())
                    .extracting(DiscoveredBackend::provider)
                    .containsExactly(type1);
            VfioContainer c = vfio.openContainer();
            vfio.group(1).setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            c.ioctl(qemu, MapDma.rw(VADDR, 0, RAM));
            assertThat(c.backendName()).contains("type1");
            assertThat(lockedVm()).isEqualTo(RAM_PAGES);
        }
        assertThat(lockedVm()).isZero();
    }
}
