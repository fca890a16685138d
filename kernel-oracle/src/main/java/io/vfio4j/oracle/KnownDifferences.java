package io.vfio4j.oracle;

import io.vfio4j.oracle.KnownDifference.Kind;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The differences between the model and the real kernels that are understood, each with its
 * evidence in docs/oracle.md (the table of differences). Nothing else may differ.
 */
public final class KnownDifferences {
    static final String TABLE = "docs/oracle.md, differences found";

    private KnownDifferences() {}

    public static List<KnownDifference> all() {
        return List.of(
                new KnownDifference(
                        "ZERO-PAGE-6.1",
                        Kind.ERA_NOT_MODELLED,
                        Set.of("6.1"),
                        Set.of("map", "unmap"),
                        Set.of("locked_vm", "errno"),
                        "6.1 neither charges locked_vm nor checks RLIMIT_MEMLOCK for pages a"
                                + " read-only MAP_DMA pins that are the shared zero page (anonymous"
                                + " memory never written); 6.12 and 7.2 do",
                        TABLE,
                        KnownDifferences::zeroPage),
                new KnownDifference(
                        "INFO-CAP-PADDING-6.1",
                        Kind.ERA_NOT_MODELLED,
                        Set.of("6.1"),
                        Set.of("info"),
                        Set.of("argsz"),
                        "6.1 chains GET_INFO capabilities unpadded (the 12-byte DMA_AVAIL cap makes"
                                + " 116 bytes in all); 6.12 and 7.2 pad it to 16 (120)",
                        TABLE,
                        c ->
                                c.diffs().get(0).model().equals("120")
                                        && c.diffs().get(0).kernel().equals("116")),
                new KnownDifference(
                        "SPAPR-EXT-ON-X86",
                        Kind.MODEL_BUG,
                        Set.of("6.1", "6.12", "7.2"),
                        Set.of("check_ext"),
                        Set.of("value"),
                        "before SET_IOMMU the model asks every backend found, and the spapr-tce"
                                + " backend answers 1 for SPAPR_TCE (2) and SPAPR_TCE_v2 (7) on an"
                                + " x86 host; the kernels have no SPAPR driver there and answer 0",
                        TABLE,
                        c ->
                                (c.op().num(0) == 2 || c.op().num(0) == 7)
                                        && c.diffs().get(0).model().equals("1")
                                        && c.diffs().get(0).kernel().equals("0")),
                new KnownDifference(
                        "DIRTY-GET-ARGSZ",
                        Kind.MODEL_BUG,
                        Set.of("6.1", "6.12", "7.2"),
                        Set.of("dirty"),
                        Set.of("errno", "dirty"),
                        "DIRTY_PAGES GET_BITMAP needs argsz >= 48 (8 + sizeof(struct"
                                + " vfio_iommu_type1_dirty_bitmap_get) = 8 + 40); the model's"
                                + " DirtyPages.MIN_ARGSZ_GET is 40, so it accepts 40..47",
                        TABLE,
                        c ->
                                c.op().num(1) >= 40
                                        && c.op().num(1) < 48
                                        && c.diff("errno")
                                                .map(d -> d.kernel().equals("EINVAL"))
                                                .orElse(false)));
    }

    /**
     * On 6.1: a read-only map that the model charged (or refused under RLIMIT_MEMLOCK) and the
     * kernel did not; an unmap that un-charges less on 6.1 for the same reason; and any map the
     * model refuses with ENOMEM and 6.1 allows while the model carries more locked_vm than the
     * kernel (charges 6.1 never made).
     */
    private static boolean zeroPage(KnownDifference.Case c) {
        boolean readOnlyMap = c.op().op().equals("map") && (c.op().num(3) & 2) == 0;
        boolean carried = c.modelBefore() > c.kernelBefore();
        if (!readOnlyMap && !carried) {
            return false;
        }
        Optional<FieldDiff> errno = c.diff("errno");
        if (errno.isPresent()
                && !(c.op().op().equals("map")
                        && errno.get().model().equals("ENOMEM")
                        && errno.get().kernel().equals("0"))) {
            return false;
        }
        Optional<FieldDiff> locked = c.diff("locked_vm");
        if (locked.isEmpty()) {
            return true;
        }
        long model = Long.parseLong(locked.get().model());
        long kernel = Long.parseLong(locked.get().kernel());
        if (c.op().op().equals("map")) {
            // charged by the model only, or allowed (and charged) by the kernel only
            return errno.isPresent() ? model == 0 && kernel > 0 : kernel >= 0 && model > kernel;
        }
        return carried && model < kernel && kernel <= 0;
    }
}
