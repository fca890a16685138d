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

/**
 * Combination 5 of the 2016 review: hot plug and unplug a passthrough GPU while a vGPU exists
 * (docs/reference/type1-mdev.md §4.6, 5): replay on plug, re-account to the vGPU's pins on unplug.
 */
public final class HotPlugPassthrough {
    private static final Logger LOG = LoggerFactory.getLogger(HotPlugPassthrough.class);

    static final UUID VGPU = UUID.fromString("b8e1e2e0-2f1a-4c8e-9d3b-000000000005");

    /** Where the vGPU pins 200 new pages while the GPU is present. */
    public static final long EXTRA_IOVA = Mapping.A.iova() + 0x3000_0000L;

    private HotPlugPassthrough() {}

    public static void main(String[] args) {
        Programs.report(LOG, List.of(run(), runWithRlimit1MPages(), runTwoGpus()));
    }

    public static Trace run() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("5. hot plug and unplug a GPU while a vGPU exists", vm::lockedVm);
            MdevDevice vgpu = startWithVgpu(t, vm);
            VgpuGuest guest = vm.vgpuGuest(vgpu);
            VgpuDevice device = VgpuDevice.of(vgpu);
            byte[] blitted = DataChecks.vgpuBlit(t, guest, 2 * 4096 - 20, 51);
            t.step("hot plug GPU 1 (attach: replay; open)", () -> vm.attachGpu(1));
            t.checkBytes(
                    "GPU 1 reads what the vGPU blitted before the plug",
                    blitted,
                    () -> vm.gpu(1).dmaRead(ReviewFixture.FB_IOVA + 2 * 4096 - 20, blitted.length));
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 1, 52);
            t.step(
                    "the vGPU pins 200 new pages and unpins 100 old ones",
                    () -> {
                        device.pins().pinRange(EXTRA_IOVA, 200, DmaProt.RW);
                        device.pins()
                                .unpinRange(
                                        ReviewFixture.FB_IOVA
                                                + (ReviewFixture.FB_PAGES - 100) * ReviewFixture.P,
                                        100);
                    });
            t.value("vGPU pinned pages", guest.pinnedPages());
            t.step("hot unplug GPU 1 (close, detach: re-account)", () -> vm.detachGpu(1));
            DataChecks.gpuFaults(t, vm, 1, ReviewFixture.FB_IOVA);
            DataChecks.vgpuBlit(t, guest, 7, 53);
            DataChecks.guestToVgpu(t, guest, vm, 9 * 4096 + 1, 54);
            t.step("the vGPU closes: it unpins everything", () -> vgpu.vfioDevice().close());
            t.step(
                    "detach and remove the vGPU (last group: mappings removed)",
                    () -> vm.detachVgpu(vgpu));
            t.value("container groups", vm.container().groups().size());
            t.value("vendor leaks", vm.vfio().vendorLeaks().size());
            return t;
        }
    }

    /** RLIMIT_MEMLOCK = 1,000,000 pages: the replay would need R, so the plug fails whole. */
    public static Trace runWithRlimit1MPages() {
        try (GuestVm vm =
                GuestVm.builder().memlockLimitBytes(ReviewFixture.RLIMIT_1M_PAGES).build()) {
            Trace t =
                    new Trace(
                            "5'. GPU hot plug with RLIMIT_MEMLOCK = 1,000,000 pages", vm::lockedVm);
            MdevDevice vgpu = startWithVgpu(t, vm);
            VgpuGuest guest = vm.vgpuGuest(vgpu);
            t.attempt("hot plug GPU 1 (replay over the limit)", () -> vm.attachGpu(1));
            t.value("container groups", vm.container().groups().size());
            t.check(
                    "GPU 1's group is not attached",
                    vm.gpuGroup(1).container().isEmpty(),
                    "it is in " + vm.gpuGroup(1).container());
            DataChecks.gpuFaults(t, vm, 1, ReviewFixture.FB_IOVA);
            DataChecks.vgpuBlit(t, guest, 4096 * 3, 55);
            return t;
        }
    }

    /** Two GPUs in separate domains: unplugging one leaves a domain, so nothing changes. */
    public static Trace runTwoGpus() {
        try (GuestVm vm = GuestVm.builder().gpus(2).separateDomains(true).build()) {
            Trace t = new Trace("5''. two GPUs in separate domains, one unplugged", vm::lockedVm);
            MdevDevice vgpu = startWithVgpu(t, vm);
            VgpuGuest guest = vm.vgpuGuest(vgpu);
            t.step("hot plug GPU 1 (replay)", () -> vm.attachGpu(1));
            t.step(
                    "hot plug GPU 2 (second domain: copied, nothing charged)",
                    () -> vm.attachGpu(2));
            t.value(
                    "distinct IOMMU domains",
                    java.util.stream.Stream.of(1, 2)
                            .map(n -> vm.gpu(n).group().simDomain().orElseThrow())
                            .distinct()
                            .count());
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 2, 56);
            t.step("hot unplug GPU 2", () -> vm.detachGpu(2));
            DataChecks.gpuFaults(t, vm, 2, ReviewFixture.FB_IOVA);
            DataChecks.vgpuAndGpuShareMemory(t, guest, vm, 1, 57);
            t.step("hot unplug GPU 1 (last domain: re-account)", () -> vm.detachGpu(1));
            return t;
        }
    }

    private static MdevDevice startWithVgpu(Trace t, GuestVm vm) {
        MdevDevice[] vgpu = new MdevDevice[1];
        t.step(
                "create vGPU, attach, SET_IOMMU(TYPE1v2), open",
                () -> vgpu[0] = vm.attachVgpu(VGPU));
        t.step("MAP A, B, C", vm::mapAll);
        t.step("guest enables the vGPU: pin W", () -> DataChecks.enableVgpu(vm.vgpuGuest(vgpu[0])));
        return vgpu[0];
    }
}
