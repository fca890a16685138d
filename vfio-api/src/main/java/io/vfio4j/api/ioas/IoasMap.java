package io.vfio4j.api.ioas;

/**
 * {@code IOMMU_IOAS_MAP}: map {@code length} bytes of the caller's memory at {@code userVa} into
 * IOAS {@code ioasId}, at {@code iova} when {@link #FIXED_IOVA} is set, else where the IOAS finds
 * room.
 *
 * @param reserved the uAPI's {@code __reserved} field; non-zero is EOPNOTSUPP
 */
public record IoasMap(int ioasId, int flags, long userVa, long length, long iova, int reserved) {
    public static final int FIXED_IOVA = 1;
    public static final int WRITEABLE = 1 << 1;
    public static final int READABLE = 1 << 2;
    public static final int RW = READABLE | WRITEABLE;

    /** A read-write map at a fixed IOVA. */
    public static IoasMap fixed(int ioasId, long userVa, long iova, long length) {
        return new IoasMap(ioasId, FIXED_IOVA | RW, userVa, length, iova, 0);
    }

    /** A read-write map at an IOVA the IOAS chooses. */
    public static IoasMap anywhere(int ioasId, long userVa, long length) {
        return new IoasMap(ioasId, RW, userVa, length, 0, 0);
    }
}
