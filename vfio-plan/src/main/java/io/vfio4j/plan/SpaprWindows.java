package io.vfio4j.plan;

import io.vfio4j.api.VfioException;
import io.vfio4j.api.command.SpaprRegisterMemory;
import io.vfio4j.api.command.SpaprTceCreate;
import io.vfio4j.api.command.SpaprTceRemove;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.SimProcess;
import java.util.List;

/**
 * What QEMU does with a SPAPR TCE v2 container (docs/reference/spapr-tce.md §4, "QEMU v2"):
 * preregister every RAM block, remove the host's default window, then create the PHB's 32-bit
 * window (1 GiB of 4 KiB pages, QEMU's {@code dma_win_size} default in hw/ppc/spapr_pci.c) and the
 * 64-bit window the guest asks for with DDW (covering its maximum memory). Table levels follow
 * QEMU's guess in hw/vfio/spapr.c {@code vfio_spapr_create_window}: as few levels as fit when each
 * level holds (host page size × 256) of entries, more if the host refuses.
 */
final class SpaprWindows {
    /** The platform's maximum (docs/reference/spapr-tce.md §5). */
    private static final int MAX_LEVELS = 5;

    private SpaprWindows() {}

    /** Runs one named kernel call; the caller records a refusal and skips what follows. */
    interface Calls {
        void run(String what, Runnable call);
    }

    static void setUp(
            VfioContainer c, SimProcess qemu, List<RamRegion> ram, Topology t, Calls calls) {
        for (RamRegion r : ram) {
            calls.run(
                    "VFIO_IOMMU_SPAPR_REGISTER_MEMORY of "
                            + r.name()
                            + " ("
                            + Sizes.human(r.bytes())
                            + ")",
                    () -> c.ioctl(qemu, SpaprRegisterMemory.of(r.vaddr(), r.bytes())));
        }
        calls.run(
                "VFIO_IOMMU_SPAPR_TCE_REMOVE of the default window",
                () -> c.ioctl(qemu, SpaprTceRemove.of(0)));
        calls.run(
                "VFIO_IOMMU_SPAPR_TCE_CREATE of the 32-bit window (1 GiB, 4 KiB pages)",
                () -> create(c, qemu, Topology.DMA32_PAGE_SHIFT, Topology.DMA32_BYTES));
        calls.run(
                "VFIO_IOMMU_SPAPR_TCE_CREATE of the 64-bit window ("
                        + Sizes.human(t.ddwBytes())
                        + ", "
                        + Sizes.human(1L << t.ddwPageShift())
                        + " pages)",
                () -> create(c, qemu, t.ddwPageShift(), t.ddwBytes()));
    }

    private static void create(VfioContainer c, SimProcess qemu, int pageShift, long window) {
        int levels = levels(pageShift, window);
        while (true) {
            try {
                c.ioctl(qemu, SpaprTceCreate.of(pageShift, window, levels));
                return;
            } catch (VfioException e) {
                if (levels >= MAX_LEVELS || e.errno() == io.vfio4j.api.Errno.ENOMEM) {
                    throw e;
                }
                levels++;
            }
        }
    }

    /**
     * QEMU's first guess: the table's index bits split into levels of (log2 host page + 8) bits.
     */
    static int levels(int pageShift, long window) {
        long entries = window >>> pageShift;
        int bitsTotal = Long.numberOfTrailingZeros(Math.max(1, entries * 8));
        int bitsPerLevel = 16 + 8;
        int levels = (bitsTotal + bitsPerLevel - 1) / bitsPerLevel;
        return Math.max(1, levels);
    }
}
