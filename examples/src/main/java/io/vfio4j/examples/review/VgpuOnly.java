package io.vfio4j.examples.review;

import io.vfio4j.api.DmaProt;
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

/** Combination 2 of the 2016 review: one vGPU only (docs/reference/type1-mdev.md §4.6, 2). */
public final class VgpuOnly {
    private static final Logger LOG = LoggerFactory.getLogger(VgpuOnly.class);

    static final UUID VGPU = UUID.fromString("b8e1e2e0-2f1a-4c8e-9d3b-000000000002");

    private VgpuOnly() {}

    public static void main(String[] args) {
        Programs.report(LOG, List.of(run(), runWithRlimit2500Pages()));
    }

    /** Map, pin W, pin and unpin again, try the BAR, unpin all. */
    public static Trace run() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("2. vGPU only", vm::lockedVm);
            MdevDevice[] vgpu = new MdevDevice[1];
            t.step(
                    "create vGPU, attach its group, SET_IOMMU(TYPE1v2), open",
                    () -> vgpu[0] = vm.attachVgpu(VGPU));
            VgpuGuest guest = vm.vgpuGuest(vgpu[0]);
            VgpuDevice device = VgpuDevice.of(vgpu[0]);
            t.step("MAP A", () -> vm.map(Mapping.A));
            t.step("MAP B", () -> vm.map(Mapping.B));
            t.step("MAP C (accepted: no vaddr check without a domain)", () -> vm.map(Mapping.C));
            t.step(
                    "guest enables the vGPU: pin W (6 calls of at most 512)",
                    () -> DataChecks.enableVgpu(guest));
            t.value("vGPU pinned pages", guest.pinnedPages());
            DataChecks.vgpuBlit(t, guest, 4096 - 10, 21);
            DataChecks.guestToVgpu(t, guest, vm, 5 * 4096 + 7, 22);
            t.step(
                    "pin 10 of those IOVAs again (ref 2)",
                    () -> device.pins().pin(ReviewFixture.FB_IOVA, 10, DmaProt.RW));
            t.step("unpin those 10 once", () -> device.pins().unpin(ReviewFixture.FB_IOVA, 10));
            t.attempt(
                    "pin one page of C (PFNMAP)",
                    () -> device.pins().pin(Mapping.C.iova(), 1, DmaProt.RW));
            t.step("guest disables the vGPU: unpin all", guest::disable);
            t.step(
                    "close vGPU, detach (last group: mappings go), remove",
                    () -> vm.detachVgpu(vgpu[0]));
            t.value("vendor leaks", vm.vfio().vendorLeaks().size());
            return t;
        }
    }

    /** RLIMIT_MEMLOCK = 2,500 pages: the 5th pin call crosses it and is refused as a whole. */
    public static Trace runWithRlimit2500Pages() {
        try (GuestVm vm =
                GuestVm.builder().memlockLimitBytes(ReviewFixture.RLIMIT_2500_PAGES).build()) {
            Trace t = new Trace("2. vGPU only, RLIMIT_MEMLOCK = 2,500 pages", vm::lockedVm);
            MdevDevice vgpu = vm.attachVgpu(VGPU);
            VgpuGuest guest = vm.vgpuGuest(vgpu);
            t.step("MAP A, B, C", vm::mapAll);
            t.attempt("guest enables the vGPU: pin W", () -> DataChecks.enableVgpu(guest));
            t.value("vGPU pinned pages", guest.pinnedPages());
            t.step("guest disables the vGPU: unpin all", guest::disable);
            return t;
        }
    }
}
