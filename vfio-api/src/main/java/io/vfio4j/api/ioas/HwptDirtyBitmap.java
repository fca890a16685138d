package io.vfio4j.api.ioas;

/**
 * {@code IOMMU_HWPT_GET_DIRTY_BITMAP}: read the dirty state of [{@code iova}, {@code iova + length
 * - 1}] of HWPT {@code hwptId}, one bit per {@code pageSize} bytes (SPI 1.6).
 *
 * @param flags {@link #NO_CLEAR} or 0; other bits are EOPNOTSUPP
 * @param reserved the uAPI's {@code __reserved} field; non-zero is EOPNOTSUPP
 */
public record HwptDirtyBitmap(
        int hwptId, int flags, long iova, long length, long pageSize, int reserved) {
    /** Read the dirty marks without clearing them. */
    public static final int NO_CLEAR = 1;

    /** A read that clears what it reports. */
    public static HwptDirtyBitmap of(int hwptId, long iova, long length, long pageSize) {
        return new HwptDirtyBitmap(hwptId, 0, iova, length, pageSize, 0);
    }
}
