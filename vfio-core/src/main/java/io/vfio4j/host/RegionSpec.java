package io.vfio4j.host;

import java.util.Objects;

/**
 * What a process maps with {@link SimProcess#mmap}: an address range and its backing. Immutable;
 * {@link #readOnly()} returns a read-only copy. Alignment to the backing page size is checked at
 * mmap time, where the host page size is known.
 */
public final class RegionSpec {
    /** The kind of memory backing a region. */
    public enum Kind {
        /** Anonymous small-page RAM, physically fragmented. */
        ANONYMOUS,
        /** Anonymous RAM backed by 2 MiB transparent huge pages. */
        THP,
        /** hugetlbfs RAM of a fixed {@link HugePage} size. */
        HUGETLB,
        /** {@code VM_PFNMAP} MMIO (a device BAR): no page struct, never pinned or counted. */
        DEVICE
    }

    private static final int THP_SHIFT = 21;

    private final long vaddr;
    private final long size;
    private final Kind kind;
    private final HugePage hugePage;
    private final boolean readOnly;

    private RegionSpec(long vaddr, long size, Kind kind, HugePage hugePage, boolean readOnly) {
        if (size <= 0) {
            throw new IllegalArgumentException("region size must be positive: " + size);
        }
        if (Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
            throw new IllegalArgumentException(
                    "region 0x"
                            + Long.toHexString(vaddr)
                            + " + 0x"
                            + Long.toHexString(size)
                            + " wraps the address space");
        }
        this.vaddr = vaddr;
        this.size = size;
        this.kind = kind;
        this.hugePage = hugePage;
        this.readOnly = readOnly;
    }

    /** Anonymous small-page memory, fragmented per {@link SimHost.Builder#anonymousRunPages}. */
    public static RegionSpec anonymous(long vaddr, long size) {
        return new RegionSpec(vaddr, size, Kind.ANONYMOUS, null, false);
    }

    /** Anonymous memory backed by 2 MiB transparent huge pages. */
    public static RegionSpec thp(long vaddr, long size) {
        return new RegionSpec(vaddr, size, Kind.THP, null, false);
    }

    /** hugetlbfs memory; {@link HugePage#SIZE_16M} only on {@link Platform#POWER}. */
    public static RegionSpec hugetlb(long vaddr, long size, HugePage page) {
        return new RegionSpec(
                vaddr, size, Kind.HUGETLB, Objects.requireNonNull(page, "page"), false);
    }

    /** Device MMIO mapped with {@code VM_PFNMAP}. */
    public static RegionSpec device(long vaddr, long size) {
        return new RegionSpec(vaddr, size, Kind.DEVICE, null, false);
    }

    /** This region mapped without write permission. */
    public RegionSpec readOnly() {
        return new RegionSpec(vaddr, size, kind, hugePage, true);
    }

    public long vaddr() {
        return vaddr;
    }

    public long size() {
        return size;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** log2 of the backing page size on a host with pages of {@code 2^pageShift} bytes. */
    public int backingPageShift(int pageShift) {
        return switch (kind) {
            case ANONYMOUS, DEVICE -> pageShift;
            case THP -> THP_SHIFT;
            case HUGETLB -> hugePage.shift();
        };
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT)
                + (hugePage != null ? "(" + hugePage + ")" : "")
                + " [0x"
                + Long.toHexString(vaddr)
                + ", +0x"
                + Long.toHexString(size)
                + ")"
                + (readOnly ? " ro" : "");
    }
}
