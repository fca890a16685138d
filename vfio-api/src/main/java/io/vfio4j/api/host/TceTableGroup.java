package io.vfio4j.api.host;

import io.vfio4j.api.VfioException;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

/**
 * The POWER platform data of an IOMMU group (the kernel's {@code struct iommu_table_group}): the
 * default 32-bit DMA window and the dynamic DMA window (DDW) capabilities of its partitionable
 * endpoint, and the platform operations a TCE-based backend calls ({@code struct
 * iommu_table_group_ops}).
 *
 * <p>TCE entries are 64-bit values: the host physical address of the IOMMU page ORed with {@link
 * #TCE_READ} and/or {@link #TCE_WRITE}; 0 is an empty entry. The backend owns the table memory; the
 * platform reads it through the reader given to {@link #setWindow}.
 *
 * @see IommuGroup#tceTableGroup()
 */
public interface TceTableGroup {
    /** TCE permission bit: the device may read the page. */
    long TCE_READ = 1;

    /** TCE permission bit: the device may write the page. */
    long TCE_WRITE = 2;

    /** Bus address of the default 32-bit window. */
    long tce32Start();

    /** Size in bytes of the default 32-bit window; 0 if there is none. */
    long tce32Size();

    /** Bitmap of supported IOMMU page sizes (bit n set = 2^n bytes). */
    long pageSizes();

    /** How many windows the endpoint supports; 0 means no DDW. */
    int maxDynamicWindows();

    /** The most TCE table levels the platform accepts. */
    int maxLevels();

    /** The platform type; groups of different types cannot share a container. */
    String platformType();

    /**
     * True if the platform implements the window operations ({@link #tableSize}, {@link
     * #createTable}, {@link #setWindow}, {@link #unsetWindow}).
     */
    default boolean hasWindowOps() {
        return false;
    }

    /**
     * Bytes a table of this geometry takes, hardware table plus userspace shadow ({@code
     * get_table_size}); 0 if the platform cannot build such a table.
     */
    default long tableSize(int pageShift, long windowSize, int levels) {
        return 0;
    }

    /**
     * Allocates a table for window slot {@code slot} ({@code create_table}); the platform places
     * the window by slot.
     *
     * @throws VfioException EINVAL for a geometry the hardware cannot address; ENOMEM if the
     *     allocation fails; EPERM without window operations
     */
    default TceTableSpec createTable(int slot, int pageShift, long windowSize, int levels) {
        throw new VfioException(io.vfio4j.api.Errno.EPERM, "platform has no window operations");
    }

    /**
     * Programs {@code table} into slot {@code slot} of the endpoint ({@code set_window}). The
     * platform translates DMA through {@code entries}, which maps a table index (0-based) to the
     * entry value.
     *
     * @throws VfioException the platform's errno; nothing is programmed then
     */
    default void setWindow(int slot, TceTableSpec table, LongUnaryOperator entries) {
        throw new VfioException(io.vfio4j.api.Errno.EPERM, "platform has no window operations");
    }

    /** Removes the window of slot {@code slot} from the endpoint ({@code unset_window}). */
    default void unsetWindow(int slot) {}

    /**
     * Invalidates the endpoint's TCE cache for {@code count} entries from table index {@code first}
     * of slot {@code slot} ({@code tce_kill}). Backends call it once per request, not once per
     * entry.
     */
    default void invalidate(int slot, long first, long count) {}

    /**
     * The permission bits the platform stores for a DMA direction (see {@link
     * io.vfio4j.api.DmaProt}); PowerNV stores write-only entries with the read bit set too.
     */
    default long tcePermissions(int dmaProt) {
        return ((dmaProt & io.vfio4j.api.DmaProt.READ) != 0 ? TCE_READ : 0)
                | ((dmaProt & io.vfio4j.api.DmaProt.WRITE) != 0 ? TCE_WRITE : 0);
    }

    /** The endpoint's EEH state machine; empty if the group has no EEH PE. */
    default Optional<EehPe> eehPe() {
        return Optional.empty();
    }
}
