package io.vfio4j.iommufd;

import static io.vfio4j.iommufd.Fixture.MiB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.ioas.HwptDirtyBitmap;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.api.ioas.NativeIommuOps;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimMemfd;
import io.vfio4j.host.SimProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The native API through the public runtime: {@code Vfio#openIommuContext()} finds the provider by
 * its optional interface, every call is an operation the invariant checker proves (the uid's
 * locked_vm and pinned_vm included), and closing the runtime un-charges like process exit.
 */
class NativeRuntimeTest {
    private final SimHost host = SimHost.builder().build();
    private final SimProcess qemu =
            host.spawnProcess(
                    ProcessSpec.builder().name("qemu").memlockLimitBytes(1L << 30).build());

    private Vfio vfio() {
        return Vfio.builder()
                .host(host)
                .configuration(
                        VfioConfiguration.of(Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                .build();
    }

    @Test
    void mapAttachDetachUnderTheInvariantChecker() {
        host.addIommuGroup(IommuGroupSpec.of(1));
        long va = 0x7f00_0000_0000L;
        qemu.mmap(RegionSpec.anonymous(va, 8 * MiB));
        try (Vfio vfio = vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            assertThat(ctx.backendName()).isEqualTo("iommufd");
            int ioas = ctx.ioasAlloc();
            ctx.ioasMap(qemu, IoasMap.fixed(ioas, va, 0, 8 * MiB));
            int dev = ctx.bind(host.iommuGroup(1).orElseThrow().devices().get(0));
            long before = vfio.invariants().checks();
            ctx.attach(dev, ioas);
            // 8 MiB = 2,048 pages charged to the uid and pinned_vm at attach; the checker agrees.
            assertThat(qemu.user().lockedVm()).isEqualTo(2048);
            assertThat(qemu.simAddressSpace().orElseThrow().pinnedVm()).isEqualTo(2048);
            assertThat(vfio.invariants().checks()).isGreaterThan(before);
            assertThat(vfio.invariants().check()).isEmpty();
            ctx.detach(dev);
            assertThat(qemu.user().lockedVm()).isZero();
            ctx.attach(dev, ioas);
            assertThat(vfio.invariants().check()).isEmpty();
        }
        assertThat(qemu.user().lockedVm()).isZero();
        assertThat(qemu.simAddressSpace().orElseThrow().pinnedVm()).isZero();
    }

    @Test
    void dirtyTrackingThroughTheRuntimeReportsADeviceWrite() {
        host.addIommuGroup(IommuGroupSpec.builder().id(1).dirtyTracking(true).build());
        long va = 0x7f00_0000_0000L;
        qemu.mmap(RegionSpec.anonymous(va, 2 * MiB));
        try (Vfio vfio = vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            int ioas = ctx.ioasAlloc();
            int dev = ctx.bind(host.iommuGroup(1).orElseThrow().devices().get(0));
            int h = ctx.hwptAlloc(dev, ioas, NativeIommuOps.HWPT_DIRTY_TRACKING);
            ctx.attach(dev, h);
            ctx.ioasMap(qemu, IoasMap.fixed(ioas, va, 0, 2 * MiB));
            ctx.hwptSetDirtyTracking(h, NativeIommuOps.DIRTY_TRACKING_ENABLE);
            host.iommuGroup(1).orElseThrow().simDomain().orElseThrow().recordDmaWrite(0x5000, 1);
            // IOVA 0x5000 is page 5 of 512.
            assertThat(ctx.hwptGetDirtyBitmap(HwptDirtyBitmap.of(h, 0, 2 * MiB, 4096)).words()[0])
                    .isEqualTo(1L << 5);
            assertThat(vfio.invariants().check()).isEmpty();
            assertThatThrownBy(() -> ctx.hwptSetDirtyTracking(ioas, 1))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        }
    }

    @Test
    void mapFileAndChangeProcessUnderTheInvariantChecker() {
        host.addIommuGroup(IommuGroupSpec.of(1));
        SimProcess child =
                host.spawnProcess(
                        ProcessSpec.builder()
                                .name("qemu-new")
                                .memlockLimitBytes(1L << 30)
                                .uid(2000)
                                .build());
        SimMemfd guestRam = host.memfdCreate(4 * MiB, true);
        try (Vfio vfio = vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            int ioas = ctx.ioasAlloc();
            ctx.attach(ctx.bind(host.iommuGroup(1).orElseThrow().devices().get(0)), ioas);
            ctx.ioasMapFile(qemu, IoasMapFile.fixed(ioas, guestRam, 0, 0, 4 * MiB));
            // 4 MiB = 1,024 pages on the mapper's uid and pinned_vm.
            assertThat(qemu.user().lockedVm()).isEqualTo(1024);
            ctx.ioasChangeProcess(child);
            assertThat(qemu.user().lockedVm()).isZero();
            assertThat(qemu.simAddressSpace().orElseThrow().pinnedVm()).isZero();
            assertThat(child.user().lockedVm()).isEqualTo(1024);
            assertThat(child.simAddressSpace().orElseThrow().pinnedVm()).isEqualTo(1024);
            assertThat(vfio.invariants().check()).isEmpty();
        }
        assertThat(child.user().lockedVm()).isZero();
        assertThat(child.simAddressSpace().orElseThrow().pinnedVm()).isZero();
    }

    @Test
    void bindOfADeviceNoGroupHoldsIsEnodev() {
        try (Vfio vfio = vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            assertThatThrownBy(() -> ctx.bind("0000:99:00.0"))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
        }
    }

    @Test
    void aClosedContextAnswersEbadf() {
        try (Vfio vfio = vfio()) {
            IommuContext ctx = vfio.openIommuContext();
            ctx.close();
            assertThat(vfio.iommuContexts()).isEmpty();
            assertThatThrownBy(ctx::ioasAlloc)
                    .isInstanceOfSatisfying(
                            VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        }
    }
}
