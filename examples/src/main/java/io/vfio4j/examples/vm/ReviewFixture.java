package io.vfio4j.examples.vm;

/**
 * The numbers of the worked examples in docs/reference/type1-mdev.md §4.6 (the five device
 * combinations of the 2016 review): one QEMU process without CAP_IPC_LOCK, 4 KiB pages, a TYPE1v2
 * container, guest RAM A and B and a peer device's BAR C, and a vGPU working set W.
 */
public final class ReviewFixture {
    /** The host page size P. */
    public static final long P = 4096;

    /** The user address of guest physical address (IOVA) 0: QEMU maps guest RAM here. */
    public static final long VADDR_BASE = 0x7f00_0000_0000L;

    /** The guest's DMA mappings. */
    public enum Mapping {
        /** 3 GiB of RAM at IOVA 0: 786,432 pages. */
        A(0, 3L << 30, false),
        /** 1 GiB of RAM at 4 GiB: 262,144 pages. */
        B(1L << 32, 1L << 30, false),
        /** A 256 MiB PFNMAP BAR at 8 GiB: 65,536 reserved pages, never pinned or counted. */
        C(2L << 32, 256L << 20, true);

        private final long iova;
        private final long size;
        private final boolean bar;

        Mapping(long iova, long size, boolean bar) {
            this.iova = iova;
            this.size = size;
            this.bar = bar;
        }

        public long iova() {
            return iova;
        }

        public long size() {
            return size;
        }

        public long pages() {
            return size / P;
        }

        /** True for device memory (the BAR). */
        public boolean isBar() {
            return bar;
        }

        public long vaddr() {
            return VADDR_BASE + iova;
        }
    }

    /** Pages of A. */
    public static final long A_PAGES = 786_432;

    /** R: RAM pages, A + B. */
    public static final long R = 1_048_576;

    /** RLIMIT_MEMLOCK: 4 GiB + 64 MiB = 1,064,960 pages. */
    public static final long RLIMIT_BYTES = (4L << 30) + (64L << 20);

    /** Combination 1's variant: RLIMIT_MEMLOCK = 3 GiB, exactly A. */
    public static final long RLIMIT_3_GIB = 3L << 30;

    /** Combination 2's variant: RLIMIT_MEMLOCK = 2,500 pages. */
    public static final long RLIMIT_2500_PAGES = 2_500 * P;

    /** Combination 5's variant: RLIMIT_MEMLOCK = 1,000,000 pages. */
    public static final long RLIMIT_1M_PAGES = 1_000_000 * P;

    /** W: the vGPU's working set, distinct pages in A and B. */
    public static final int W = 3_000;

    /** The vGPU framebuffer: 2,048 pages (8 MiB) in A, pinned first, in 4 calls of 512. */
    public static final long FB_IOVA = 0x1000_0000L;

    public static final int FB_PAGES = 2_048;

    /** The vGPU command ring: 952 pages in B, pinned after the framebuffer (512 + 440). */
    public static final long RING_IOVA = (1L << 32) + 0x0100_0000L;

    public static final int RING_PAGES = W - FB_PAGES;

    /** type1's default {@code dma_entry_limit}. */
    public static final long DMA_ENTRY_LIMIT = 65_535;

    private ReviewFixture() {}
}
