package io.vfio4j.examples.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture;
import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import io.vfio4j.mdev.MdevDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sample vGPU's own behaviour: registers, command checks, DMA only through its pins. */
class VgpuDeviceTest {
    private GuestVm vm;
    private MdevDevice vgpu;
    private VgpuGuest guest;

    @BeforeEach
    void start() {
        vm = GuestVm.builder().build();
        vgpu = vm.attachVgpu(UUID.fromString("0f0f0f0f-0000-4000-8000-000000000001"));
        vm.mapAll();
        guest = vm.vgpuGuest(vgpu);
        guest.enable(
                ReviewFixture.FB_IOVA,
                ReviewFixture.FB_PAGES,
                ReviewFixture.RING_IOVA,
                ReviewFixture.RING_PAGES);
    }

    @AfterEach
    void stop() {
        vm.close();
    }

    @Test
    void enablingPinsTheWorkingSetAndReadOnlyRegistersStayReadOnly() {
        assertThat(guest.status()).isEqualTo(VgpuRegisters.STATUS_RUNNING);
        assertThat(guest.pinnedPages()).isEqualTo(ReviewFixture.W);
        assertThat(vm.lockedVm()).isEqualTo(ReviewFixture.W);
        vgpu.regionWrite(VgpuRegisters.STATUS, new byte[] {9, 9, 9, 9});
        assertThat(guest.status()).isEqualTo(VgpuRegisters.STATUS_RUNNING);
        assertThat(
                        ByteBuffer.wrap(vgpu.regionRead(VgpuRegisters.ID, 4))
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getInt())
                .isEqualTo(VgpuRegisters.DEVICE_ID);
    }

    @Test
    void aBlitOutsideTheFramebufferIsABadCommandAndWritesNothing() {
        long fbBytes = ReviewFixture.FB_PAGES * ReviewFixture.P;
        int status = guest.blit(0, fbBytes - 2, new byte[] {1, 2, 3, 4});
        assertThat(status).isEqualTo(VgpuRegisters.STATUS_BAD_COMMAND);
        assertThat(guest.completed()).isZero();
        assertThat(guest.readFramebuffer(fbBytes - 2, 2)).containsExactly(0, 0);
    }

    @Test
    void aCommandOnARingPageTheDeviceNoLongerHoldsIsADmaFault() {
        VgpuDevice.of(vgpu).pins().unpin(ReviewFixture.RING_IOVA, 1);
        int status = guest.blit(16, 0, new byte[] {5});
        assertThat(status).isEqualTo(VgpuRegisters.STATUS_DMA_FAULT);
        assertThat(guest.readFramebuffer(0, 1)).containsExactly(0);
    }

    @Test
    void unmappingTheRingReleasesItsPinsAndStopsTheDevice() {
        vm.unmap(Mapping.B);
        assertThat(guest.status()).isEqualTo(VgpuRegisters.STATUS_UNMAPPED);
        assertThat(guest.pinnedPages()).isEqualTo(ReviewFixture.FB_PAGES);
        assertThat(vm.lockedVm()).isEqualTo(ReviewFixture.FB_PAGES);
        assertThat(VgpuDevice.of(vgpu).unmapNotifications()).isEqualTo(1);
        guest.blit(0, 0, new byte[] {1});
        assertThat(guest.completed()).isZero();
    }

    @Test
    void closingTheDeviceReleasesEveryPin() {
        vgpu.vfioDevice().close();
        assertThat(vm.lockedVm()).isZero();
        assertThat(vm.vfio().vendorLeaks()).isEmpty();
    }
}
