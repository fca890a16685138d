package io.vfio4j.examples.review;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.examples.drivers.PassthroughGpu;
import io.vfio4j.examples.drivers.VgpuGuest;
import io.vfio4j.examples.drivers.VgpuRegisters;
import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture;

/**
 * The data checks the combinations share: bytes the guest writes are what a device reads by DMA,
 * and bytes a device writes are what the guest (or the other device) reads. Offsets straddle page
 * boundaries on purpose.
 */
final class DataChecks {
    private static final int LEN = 300;

    private DataChecks() {}

    /** The guest enables the vGPU (it pins W); a refusal becomes the errno the device reports. */
    static void enableVgpu(VgpuGuest guest) {
        int status =
                guest.enable(
                        ReviewFixture.FB_IOVA,
                        ReviewFixture.FB_PAGES,
                        ReviewFixture.RING_IOVA,
                        ReviewFixture.RING_PAGES);
        if (status != VgpuRegisters.STATUS_RUNNING) {
            throw VfioException.of(
                    Errno.ofNumber(guest.errno()), "the vGPU could not pin its working set");
        }
    }

    /** The guest writes RAM; GPU {@code n} reads the same bytes through its IOMMU domain. */
    static void guestToGpu(Trace t, GuestVm vm, int n, long iova, long seed) {
        byte[] data = Patterns.bytes(seed, LEN);
        vm.write(iova, data);
        PassthroughGpu gpu = vm.gpu(n);
        t.checkBytes(
                "GPU " + n + " reads by DMA what the guest wrote at 0x" + Long.toHexString(iova),
                data,
                () -> gpu.dmaRead(iova, LEN));
    }

    /** GPU {@code n} writes RAM by DMA; the guest reads the same bytes. */
    static void gpuToGuest(Trace t, GuestVm vm, int n, long iova, long seed) {
        byte[] data = Patterns.bytes(seed, LEN);
        vm.gpu(n).dmaWrite(iova, data);
        t.checkBytes(
                "the guest reads what GPU " + n + " wrote at 0x" + Long.toHexString(iova),
                data,
                () -> vm.read(iova, LEN));
    }

    /** GPU {@code n} may no longer reach guest memory: its DMA faults. */
    static void gpuFaults(Trace t, GuestVm vm, int n, long iova) {
        t.checkFault(
                "GPU " + n + " DMA at 0x" + Long.toHexString(iova) + " faults",
                () -> vm.gpu(n).dmaRead(iova, LEN));
    }

    /**
     * The guest hands the vGPU a blit through the command ring (the vGPU reads it from its pinned
     * ring pages) and reads the framebuffer the vGPU wrote through its pinned framebuffer pages.
     */
    static byte[] vgpuBlit(Trace t, VgpuGuest guest, long fbOffset, long seed) {
        byte[] data = Patterns.bytes(seed, LEN);
        int status = guest.blit(4096 - 8, fbOffset, data);
        t.check(
                "the vGPU ran the blit",
                status == VgpuRegisters.STATUS_RUNNING,
                "status " + status);
        t.checkBytes(
                "the guest reads in its framebuffer what the vGPU blitted",
                data,
                () -> guest.readFramebuffer(fbOffset, LEN));
        return data;
    }

    /** The guest writes its framebuffer; the vGPU reads it back into the ring for the guest. */
    static void guestToVgpu(Trace t, VgpuGuest guest, GuestVm vm, long fbOffset, long seed) {
        byte[] data = Patterns.bytes(seed, LEN);
        vm.write(ReviewFixture.FB_IOVA + fbOffset, data);
        t.checkBytes(
                "the vGPU reads by DMA what the guest wrote in the framebuffer",
                data,
                () -> guest.readback(8192 - 4, fbOffset, LEN));
    }

    /**
     * Both devices see one memory: the vGPU blits, the GPU reads; the GPU writes, the vGPU reads.
     */
    static void vgpuAndGpuShareMemory(Trace t, VgpuGuest guest, GuestVm vm, int n, long seed) {
        long fbOffset = 3 * 4096 - 50;
        byte[] blitted = vgpuBlit(t, guest, fbOffset, seed);
        t.checkBytes(
                "GPU " + n + " reads by DMA what the vGPU blitted",
                blitted,
                () -> vm.gpu(n).dmaRead(ReviewFixture.FB_IOVA + fbOffset, LEN));
        byte[] fromGpu = Patterns.bytes(seed + 1, LEN);
        vm.gpu(n).dmaWrite(ReviewFixture.FB_IOVA + fbOffset, fromGpu);
        t.checkBytes(
                "the vGPU reads back what GPU " + n + " wrote into the framebuffer",
                fromGpu,
                () -> guest.readback(0, fbOffset, LEN));
    }
}
