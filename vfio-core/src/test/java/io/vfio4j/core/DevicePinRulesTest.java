package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The core's checks on vfio_pin_pages / vfio_unpin_pages / vfio_dma_rw
 * (docs/reference/type1-mdev.md §3.2).
 */
class DevicePinRulesTest {
    private FakeProvider backend;
    private Vfio vfio;
    private SimProcess qemu;
    private VfioContainer container;
    private final List<String> driverCalls = new ArrayList<>();

    private final VfioDeviceDriver vendor =
            new VfioDeviceDriver() {
                @Override
                public void open(VfioDevice device) {
                    driverCalls.add("open");
                }

                @Override
                public void close(VfioDevice device) {
                    driverCalls.add("close");
                    device.unpinPages(0, 1); // the device still counts as open here
                }

                @Override
                public Optional<DmaUnmapListener> dmaUnmapListener() {
                    return Optional.of((iova, length) -> {});
                }
            };

    @BeforeEach
    void setUp() {
        SimHost host = SimHost.builder().build();
        host.addIommuGroup(IommuGroupSpec.builder().id(3).devices(List.of("0000:03:00.0")).build());
        backend = new FakeProvider("fake", Set.of(IommuType.TYPE1v2));
        vfio =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .addSource(new FixedSource("test", backend))
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                        .build();
        qemu = host.spawnProcess(ProcessSpec.builder().build());
        container = vfio.openContainer();
    }

    private static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }

    private VfioDevice openMdev() {
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "mdev-1", vendor);
        g.setContainer(qemu, container);
        container.setIommu(IommuType.TYPE1v2);
        return g.openDevice("mdev-1");
    }

    @Test
    void openRegistersWithTheBackendBeforeTheDriverOpensAndCloseUnregistersAfterTheDriverCloses() {
        VfioDevice d = openMdev();
        assertThat(backend.calls).containsSubsequence("fake.register(mdev-1)");
        assertThat(driverCalls).containsExactly("open");
        d.close();
        assertThat(driverCalls).containsExactly("open", "close");
        assertThat(backend.calls)
                .containsSubsequence(
                        "fake.register(mdev-1)", "fake.unpin(mdev-1,1)", "fake.unregister(mdev-1)");
        assertThat(vfio.warnings()).isEmpty();
    }

    @Test
    void pinChecksComeInTheKernelsOrder() {
        VfioDevice d = openMdev();
        long[] pfns = new long[513];
        assertErrno(() -> d.pinPages(0, 0, DmaProt.RW, pfns), Errno.EINVAL);
        assertErrno(() -> d.pinPages(0, 1, DmaProt.RW, null), Errno.EINVAL);
        assertErrno(() -> d.pinPages(0, 513, DmaProt.RW, pfns), Errno.E2BIG);
        assertErrno(() -> d.pinPages(0, 512, DmaProt.RW, new long[4]), Errno.EINVAL);
        assertThat(d.pinPages(0, 512, DmaProt.RW, pfns)).isEqualTo(512);
        d.close();
        assertErrno(() -> d.pinPages(0, 1, DmaProt.RW, pfns), Errno.EINVAL);
        assertThat(backend.calls).containsOnlyOnce("fake.pin(mdev-1,512)");
    }

    @Test
    void aDeviceWithoutDmaUnmapCallbackMayNotPin() {
        VfioGroup g = vfio.group(3);
        g.setContainer(qemu, container);
        container.setIommu(IommuType.TYPE1v2);
        VfioDevice d = g.openDevice("0000:03:00.0");
        assertErrno(() -> d.pinPages(0, 1, DmaProt.READ, new long[1]), Errno.EINVAL);
        assertThat(backend.calls).noneMatch(c -> c.startsWith("fake.pin"));
    }

    @Test
    void aBackendThatCannotPinAnswersEnotty() {
        backend.pins = false;
        VfioDevice d = openMdev();
        assertErrno(() -> d.pinPages(0, 1, DmaProt.READ, new long[1]), Errno.ENOTTY);
    }

    @Test
    void unpinByAClosedDeviceOrWithBadCountIsAWarnAndDoesNothing() {
        VfioDevice d = openMdev();
        d.unpinPages(0, 0);
        d.unpinPages(0, 513);
        assertThat(vfio.warnings()).hasSize(2);
        d.close();
        d.unpinPages(0, 1);
        assertThat(vfio.warnings()).hasSize(3);
        assertThat(backend.calls).containsOnlyOnce("fake.unpin(mdev-1,1)");
    }

    @Test
    void dmaRwChecksTheBufferAndTheOpenDevice() {
        VfioDevice d = openMdev();
        assertErrno(() -> d.dmaRw(0, null, 0, 4, false), Errno.EINVAL);
        assertErrno(() -> d.dmaRw(0, new byte[4], 0, 0, false), Errno.EINVAL);
        assertErrno(() -> d.dmaRw(0, new byte[4], 2, 4, false), Errno.EINVAL);
        assertErrno(() -> d.dmaRw(0, new byte[4], 0, 4, false), Errno.ENOTTY);
        d.close();
        assertErrno(() -> d.dmaRw(0, new byte[4], 0, 4, false), Errno.EINVAL);
    }

    @Test
    void aFailingDriverOpenLeavesTheDeviceClosedAndUnregistered() {
        VfioDeviceDriver failing =
                new VfioDeviceDriver() {
                    @Override
                    public void open(VfioDevice device) {
                        throw new VfioException(Errno.ENOMEM, "vendor out of memory");
                    }

                    @Override
                    public Optional<DmaUnmapListener> dmaUnmapListener() {
                        return Optional.of((iova, length) -> {});
                    }
                };
        VfioGroup g = vfio.createVirtualGroup(GroupKind.EMULATED, "mdev-2", failing);
        g.setContainer(qemu, container);
        container.setIommu(IommuType.TYPE1v2);
        assertErrno(() -> g.openDevice("mdev-2"), Errno.ENOMEM);
        assertThat(g.device("mdev-2").isOpen()).isFalse();
        assertThat(backend.calls)
                .containsSubsequence("fake.register(mdev-2)", "fake.unregister(mdev-2)");
        g.unsetContainer();
        vfio.removeVirtualGroup(g);
        assertThat(vfio.groups()).doesNotContain(g);
    }
}
