package io.vfio4j.api;

/**
 * Access bits of a DMA mapping or pin, as {@code IOMMU_READ}/{@code IOMMU_WRITE}: READ means the
 * device reads memory, WRITE means the device writes it.
 */
public final class DmaProt {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int RW = READ | WRITE;

    private DmaProt() {}

    /** True if {@code granted} holds every bit of {@code requested}. */
    public static boolean allows(int granted, int requested) {
        return (granted & requested) == requested;
    }

    public static String toString(int prot) {
        return ((prot & READ) != 0 ? "r" : "-") + ((prot & WRITE) != 0 ? "w" : "-");
    }
}
