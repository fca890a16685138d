package io.vfio4j.host;

/** The hugetlbfs page sizes a region can be backed by. */
public enum HugePage {
    /** 2 MiB (x86 PMD, POWER radix). */
    SIZE_2M(21),
    /** 16 MiB (POWER hash MMU only). */
    SIZE_16M(24),
    /** 1 GiB (x86 PUD, POWER radix). */
    SIZE_1G(30);

    private final int shift;

    HugePage(int shift) {
        this.shift = shift;
    }

    /** log2 of the page size in bytes. */
    public int shift() {
        return shift;
    }

    /** The page size in bytes. */
    public long bytes() {
        return 1L << shift;
    }
}
