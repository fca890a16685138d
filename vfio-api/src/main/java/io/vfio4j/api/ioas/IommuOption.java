package io.vfio4j.api.ioas;

/**
 * {@code IOMMU_OPTION}: read or set one option of the context ({@link #RLIMIT_MODE}, {@code
 * objectId} 0) or of an IOAS ({@link #HUGE_PAGES}).
 */
public record IommuOption(int option, int op, int objectId, long value, int reserved) {
    public static final int RLIMIT_MODE = 0;
    public static final int HUGE_PAGES = 1;
    public static final int OP_SET = 0;
    public static final int OP_GET = 1;

    public static IommuOption get(int option, int objectId) {
        return new IommuOption(option, OP_GET, objectId, 0, 0);
    }

    public static IommuOption set(int option, int objectId, long value) {
        return new IommuOption(option, OP_SET, objectId, value, 0);
    }
}
