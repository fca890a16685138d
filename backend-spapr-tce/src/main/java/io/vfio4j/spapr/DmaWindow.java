package io.vfio4j.spapr;

import io.vfio4j.api.host.TceTableSpec;

/**
 * A DMA window of a container: a TCE table in one of the two slots, programmed into every attached
 * group. IOVAs are absolute bus addresses: the window filters, it does not offset.
 *
 * @param slot 0 or 1
 * @param spec the geometry the platform allocated
 * @param table the entries
 * @param chargedPages what creating it charged to {@code locked_vm}, un-charged when it is freed
 */
record DmaWindow(int slot, TceTableSpec spec, TceTable table, long chargedPages) {
    int pageShift() {
        return spec.pageShift();
    }

    long pageSize() {
        return 1L << spec.pageShift();
    }

    long busStart() {
        return spec.busOffset();
    }

    /** True if the entry that translates {@code iova} belongs to this window. */
    boolean holds(long iova) {
        long e = iova >>> spec.pageShift();
        long first = spec.firstEntry();
        return e >= first && e - first < spec.entries();
    }

    /** The table index of {@code iova}, which {@link #holds} it. */
    long index(long iova) {
        return (iova >>> spec.pageShift()) - spec.firstEntry();
    }

    /** The bus address of table index {@code index}. */
    long iovaOf(long index) {
        return (spec.firstEntry() + index) << spec.pageShift();
    }
}
