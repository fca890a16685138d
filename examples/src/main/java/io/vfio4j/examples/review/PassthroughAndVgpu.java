package io.vfio4j.examples.review;

import io.vfio4j.examples.drivers.VgpuDevice;
import io.vfio4j.examples.drivers.VgpuGuest;
import io.vfio4j.examples.drivers.VgpuRegisters;
import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture;
import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import io.vfio4j.mdev.MdevDevice;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Combination 3 of the 2016 review: one passthrough GPU and one vGPU (docs/reference/type1-mdev.md
 * docs/reference/type1-mdev.md §4.6, 3).
 */
public final class PassthroughAndVgpu {
    private static final Logger LOG = LoggerFactory.getLogger(PassthroughAndVgpu.class);

    static final UUID VGPU = UUID.fromString("b8e1e2e0-2f1a-4c8e-9d3b-000000000003");

    private PassthroughAndVgpu() {}

    public static void main(String[] args) {
        Programs.report(LOG, List.of(runBothBeforeMap(), runVgpuFirst(), runUnmapWithPinsLeft()));
    }

    /** (a) Both attached before MAP: the vGPU's pins cost nothing while a domain exists. */
    public static Trace runBothBeforeMap() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("3a. passthrough + vGPU, both attached before MAP", vm::lockedVm);
            t.step("attach GPU 1, SET_IOMMU(TYPE1v2), open", () -> vm.attachGpu(1));
            MdevDevice[] vgpu = new MdevDevice[1];
            t.step("create vGPU, attach, open", () -> vgpu[0] = vm.attachVgpu(VGPU));
            VgpuGuest guest = vm.vgpuGuest(vgpu[0]);
            t.step("MAP A, B, C", vm::mapAll);
            t.step("guest enables the vGPU: pin W (no charge)", () -> DataChecks.enableVgpu(guest));
            DataChecks.guestToGpu(t, vm, 1, Mapping.B.iova() + 0x2000_0000L - 30, 31);
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 1, 32);
            t.step("guest disables the vGPU: unpin W", guest::disable);
            t.step("UNMAP A, B, C (no pins left: no notification)", vm::unmapAll);
            t.value("vGPU DMA-unmap notifications", unmapped(vgpu[0]));
            return t;
        }
    }

    /** (b) The vGPU first, then the GPU: its attach replays the mappings into a new domain. */
    public static Trace runVgpuFirst() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("3b. vGPU first, then the GPU (replay)", vm::lockedVm);
            MdevDevice[] vgpu = new MdevDevice[1];
            t.step(
                    "create vGPU, attach, SET_IOMMU(TYPE1v2), open",
                    () -> vgpu[0] = vm.attachVgpu(VGPU));
            VgpuGuest guest = vm.vgpuGuest(vgpu[0]);
            t.step("MAP A, B, C", vm::mapAll);
            t.step("guest enables the vGPU: pin W", () -> DataChecks.enableVgpu(guest));
            byte[] blitted = DataChecks.vgpuBlit(t, guest, 100, 33);
            t.step("attach GPU 1 (replay), open", () -> vm.attachGpu(1));
            t.checkBytes(
                    "GPU 1 reads what the vGPU blitted before it came",
                    blitted,
                    () -> vm.gpu(1).dmaRead(ReviewFixture.FB_IOVA + 100, blitted.length));
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 1, 34);
            t.step("UNMAP A, B, C (the vGPU is told and unpins first)", vm::unmapAll);
            t.value("vGPU pinned pages after UNMAP", guest.pinnedPages());
            t.value("vGPU DMA-unmap notifications", unmapped(vgpu[0]));
            t.check(
                    "the vGPU saw its pages unmapped",
                    guest.status() == VgpuRegisters.STATUS_UNMAPPED,
                    "status " + guest.status());
            return t;
        }
    }

    /** (a) with pins left at UNMAP: the listeners are told first and the vGPU lets go. */
    public static Trace runUnmapWithPinsLeft() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("3a'. passthrough + vGPU, UNMAP with pins left", vm::lockedVm);
            vm.attachGpu(1);
            MdevDevice vgpu = vm.attachVgpu(VGPU);
            VgpuGuest guest = vm.vgpuGuest(vgpu);
            t.step("MAP A, B, C", vm::mapAll);
            t.step("guest enables the vGPU: pin W", () -> DataChecks.enableVgpu(guest));
            t.step("UNMAP A, B, C", vm::unmapAll);
            t.value("vGPU pinned pages after UNMAP", guest.pinnedPages());
            t.value("vGPU DMA-unmap notifications", unmapped(vgpu));
            return t;
        }
    }

    private static long unmapped(MdevDevice vgpu) {
        return VgpuDevice.of(vgpu).unmapNotifications();
    }
}
