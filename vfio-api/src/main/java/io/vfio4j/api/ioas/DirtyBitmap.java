package io.vfio4j.api.ioas;

import io.vfio4j.api.host.IovaRange;
import java.util.List;

/**
 * The answer of {@code IOMMU_HWPT_GET_DIRTY_BITMAP} (SPI 1.6): bit {@code i} stands for the {@code
 * pageSize} bytes at {@code iova + i * pageSize} and is set when the IOMMU saw a DMA write to any
 * page of them. Kept as the IOVA runs of set bits (each starting and ending on a bit boundary) so
 * that a bitmap of a large range costs nothing when little is dirty.
 *
 * @param dirty the runs of set bits, in IOVA order, disjoint
 */
public record DirtyBitmap(long iova, long length, long pageSize, List<IovaRange> dirty) {
    public DirtyBitmap {
        dirty = List.copyOf(dirty);
    }

    /** The number of bits in the bitmap ({@code length / pageSize}). */
    public long bits() {
        return Long.divideUnsigned(length, pageSize);
    }

    /** Whether bit {@code index} is set. */
    public boolean test(long index) {
        long at = iova + index * pageSize;
        return dirty.stream().anyMatch(r -> r.contains(at));
    }

    /** The number of set bits. */
    public long count() {
        long n = 0;
        for (IovaRange r : dirty) {
            n += Long.divideUnsigned(r.end() - r.start() + 1, pageSize);
        }
        return n;
    }

    /**
     * The bitmap as the kernel writes it to user memory: 64 bits a word, bit {@code i} in word
     * {@code i / 64}, bit {@code i % 64}.
     *
     * @throws IllegalStateException if it would not fit in an array
     */
    public long[] words() {
        long n = (bits() + 63) / 64;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(bits() + " bits do not fit in an array");
        }
        long[] w = new long[(int) n];
        for (IovaRange r : dirty) {
            long first = Long.divideUnsigned(r.start() - iova, pageSize);
            long last = Long.divideUnsigned(r.end() - iova, pageSize);
            for (long i = first; i <= last; i++) {
                w[(int) (i >>> 6)] |= 1L << (i & 63);
            }
        }
        return w;
    }
}
