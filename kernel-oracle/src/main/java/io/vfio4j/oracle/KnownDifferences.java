package io.vfio4j.oracle;

import io.vfio4j.oracle.KnownDifference.Kind;
import java.util.List;
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
                        Set.of("locked_vm"),
                        "6.1 does not charge locked_vm for pages a read-only MAP_DMA pins that are"
                                + " the shared zero page (anonymous memory never written);"
                                + " 6.12 and 7.2 charge them",
                        TABLE,
                        (op, d) -> zeroPage(op, d)),
                new KnownDifference(
                        "INFO-CAP-PADDING-6.1",
                        Kind.ERA_NOT_MODELLED,
                        Set.of("6.1"),
                        Set.of("info"),
                        Set.of("argsz"),
                        "6.1 chains GET_INFO capabilities unpadded (the 12-byte DMA_AVAIL cap makes"
                                + " 116 bytes in all); 6.12 and 7.2 pad it to 16 (120)",
                        TABLE,
                        (op, d) -> d.model().equals("120") && d.kernel().equals("116")),
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
                        (op, d) ->
                                (op.num(0) == 2 || op.num(0) == 7)
                                        && d.model().equals("1")
                                        && d.kernel().equals("0")),
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
                        (op, d) ->
                                op.num(1) >= 40
                                        && op.num(1) < 48
                                        && (d.field().equals("dirty")
                                                || d.kernel().equals("EINVAL"))));
    }

    /**
     * A read-only map the model charged and 6.1 did not, or the unmap that later un-charges less on
     * 6.1 for the same reason.
     */
    private static boolean zeroPage(ProbeOp op, FieldDiff d) {
        long model = Long.parseLong(d.model());
        long kernel = Long.parseLong(d.kernel());
        if (op.op().equals("map")) {
            return (op.num(3) & 2) == 0 && kernel >= 0 && model > kernel;
        }
        return model < kernel && kernel <= 0;
    }
}
