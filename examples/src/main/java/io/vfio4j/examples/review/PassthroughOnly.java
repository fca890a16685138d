package io.vfio4j.examples.review;

import static io.vfio4j.examples.vm.ReviewFixture.Mapping.A;
import static io.vfio4j.examples.vm.ReviewFixture.Mapping.B;
import static io.vfio4j.examples.vm.ReviewFixture.Mapping.C;

import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Combination 1 of the 2016 review: GPU passthrough only (docs/reference/type1-mdev.md §4.6, 1).
 */
public final class PassthroughOnly {
    private static final Logger LOG = LoggerFactory.getLogger(PassthroughOnly.class);

    private PassthroughOnly() {}

    public static void main(String[] args) {
        Programs.report(LOG, List.of(run(), runWithRlimit3GiB()));
    }

    /** Attach, map A, B and C, let the GPU move data, unmap everything. */
    public static Trace run() {
        try (GuestVm vm = GuestVm.builder().build()) {
            Trace t = new Trace("1. passthrough only", vm::lockedVm);
            t.step("attach GPU 1, SET_IOMMU(TYPE1v2), open", () -> vm.attachGpu(1));
            t.step("MAP A (3 GiB RAM)", () -> vm.map(A));
            t.step("MAP B (1 GiB RAM)", () -> vm.map(B));
            t.step("MAP C (256 MiB PFNMAP BAR)", () -> vm.map(C));
            t.value("dma_avail after MAP A, B, C", vm.dmaAvail());
            DataChecks.guestToGpu(t, vm, 1, A.iova() + 0x1234_5000L - 100, 11);
            DataChecks.guestToGpu(t, vm, 1, B.iova() + 0x0800_0000L + 4000, 12);
            DataChecks.gpuToGuest(t, vm, 1, A.size() - 400, 13);
            t.step("UNMAP A", () -> vm.unmap(A));
            t.step("UNMAP B", () -> vm.unmap(B));
            t.step("UNMAP C", () -> vm.unmap(C));
            t.value("dma_avail after UNMAP", vm.dmaAvail());
            DataChecks.gpuFaults(t, vm, 1, A.iova() + 0x1234_5000L);
            t.step("close GPU 1, detach", () -> vm.detachGpu(1));
            return t;
        }
    }

    /** RLIMIT_MEMLOCK = 3 GiB: A fits exactly, B is refused with ENOMEM and leaves no trace. */
    public static Trace runWithRlimit3GiB() {
        try (GuestVm vm = GuestVm.builder().memlockLimitBytes(ReviewFixture.RLIMIT_3_GIB).build()) {
            Trace t = new Trace("1. passthrough only, RLIMIT_MEMLOCK = 3 GiB", vm::lockedVm);
            t.step("attach GPU 1, SET_IOMMU(TYPE1v2), open", () -> vm.attachGpu(1));
            t.step("MAP A (3 GiB RAM, exactly the limit)", () -> vm.map(A));
            t.attempt("MAP B (1 GiB RAM, over the limit)", () -> vm.map(B));
            t.value("dma_avail after MAP B failed", vm.dmaAvail());
            DataChecks.guestToGpu(t, vm, 1, A.iova() + 0x4000_0000L, 14);
            DataChecks.gpuFaults(t, vm, 1, B.iova() + 0x1000);
            return t;
        }
    }
}
