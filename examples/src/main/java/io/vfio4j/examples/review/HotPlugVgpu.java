package io.vfio4j.examples.review;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.examples.drivers.VgpuDevice;
import io.vfio4j.examples.drivers.VgpuGuest;
import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture;
import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import io.vfio4j.mdev.MdevDevice;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Combination 4 of the 2016 review: hot plug and unplug a vGPU while a passthrough GPU exists
 * (docs/reference/type1-mdev.md §4.6, 4). With a domain present, nothing the vGPU does changes
 * {@code locked_vm}.
 */
public final class HotPlugVgpu {
    private static final Logger LOG = LoggerFactory.getLogger(HotPlugVgpu.class);

    static final UUID VGPU = UUID.fromString("b8e1e2e0-2f1a-4c8e-9d3b-000000000004");

    /** Pages the leaky vendor keeps pinned after close. */
    public static final int LEAKED_PAGES = 5;

    private HotPlugVgpu() {}

    public static void main(String[] args) {
        Programs.report(LOG, List.of(run(), runLeakyVendor()));
    }

    public static Trace run() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("4. hot plug and unplug a vGPU while a GPU exists", vm::lockedVm);
            steadyState(t, vm);
            MdevDevice[] vgpu = new MdevDevice[1];
            t.step("hot plug the vGPU (create, attach, open)", () -> vgpu[0] = vm.attachVgpu(VGPU));
            VgpuGuest guest = vm.vgpuGuest(vgpu[0]);
            VgpuDevice device = VgpuDevice.of(vgpu[0]);
            t.step("guest enables the vGPU: pin W", () -> DataChecks.enableVgpu(guest));
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 1, 41);
            DataChecks.guestToVgpu(t, guest, vm, 64 * 4096 - 1, 42);
            t.step(
                    "the vGPU pins 200 more pages",
                    () -> device.pins().pinRange(Mapping.A.iova() + 0x3000_0000L, 200, DmaProt.RW));
            t.step(
                    "the vGPU unpins them",
                    () -> device.pins().unpinRange(Mapping.A.iova() + 0x3000_0000L, 200));
            t.step(
                    "hot unplug the vGPU (close: it unpins; detach; remove)",
                    () -> vm.detachVgpu(vgpu[0]));
            t.value("vendor leaks", vm.vfio().vendorLeaks().size());
            t.value("vgpu-v100-4q available instances", vm.vgpuType().availableInstances());
            DataChecks.guestToGpu(t, vm, 1, ReviewFixture.FB_IOVA + 77, 43);
            DataChecks.gpuToGuest(t, vm, 1, ReviewFixture.RING_IOVA + 4090, 44);
            t.step("UNMAP A, B, C", vm::unmapAll);
            return t;
        }
    }

    /**
     * The vendor leaks 5 pins at close. vfio4j unpins them when the group leaves and reports a leak
     * naming the device (the 2016 design); a later UNMAP of that range then finds no pins, so the
     * kernel's BUG (docs/reference/type1-mdev.md §3.5) cannot follow.
     */
    public static Trace runLeakyVendor() {
        try (GuestVm vm = GuestVm.builder().leakyVgpuPages(LEAKED_PAGES).build()) {
            Trace t =
                    new Trace(
                            "4'. hot plug and unplug a vGPU whose vendor leaks 5 pins",
                            vm::lockedVm);
            steadyState(t, vm);
            MdevDevice[] vgpu = new MdevDevice[1];
            t.step("hot plug the vGPU (create, attach, open)", () -> vgpu[0] = vm.attachVgpu(VGPU));
            VgpuGuest guest = vm.vgpuGuest(vgpu[0]);
            t.step("guest enables the vGPU: pin W", () -> DataChecks.enableVgpu(guest));
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 1, 45);
            t.step(
                    "hot unplug the vGPU (close leaks 5 pins; detach unpins them)",
                    () -> vm.detachVgpu(vgpu[0]));
            List<VendorLeak> leaks = vm.vfio().vendorLeaks();
            t.value("vendor leaks", leaks.size());
            t.value("leaked pages", leaks.isEmpty() ? 0 : leaks.get(0).iovas().size());
            t.check(
                    "the leak names the vGPU",
                    !leaks.isEmpty() && leaks.get(0).device().equals(vgpu[0].name()),
                    leaks.toString());
            t.step("UNMAP A, B, C (no pins are left, so no BUG)", vm::unmapAll);
            return t;
        }
    }

    private static void steadyState(Trace t, GuestVm vm) {
        t.step("attach GPU 1, SET_IOMMU(TYPE1v2), open", () -> vm.attachGpu(1));
        t.step("MAP A, B, C", vm::mapAll);
        DataChecks.guestToGpu(t, vm, 1, Mapping.A.iova() + 0x100_0000L + 3, 40);
    }
}
