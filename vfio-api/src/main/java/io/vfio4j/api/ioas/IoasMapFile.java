package io.vfio4j.api.ioas;

import io.vfio4j.api.host.MemFile;

/**
 * {@code IOMMU_IOAS_MAP_FILE} (SPI 1.6): map {@code length} bytes of a memory file from byte {@code
 * start} into IOAS {@code ioasId}, at {@code iova} when {@link IoasMap#FIXED_IOVA} is set, else
 * where the IOAS finds room. Flags are those of {@link IoasMap}.
 *
 * @param file the file behind the {@code fd} field; null stands for a closed descriptor (EBADF)
 */
public record IoasMapFile(int ioasId, int flags, MemFile file, long start, long length, long iova) {
    /** A read-write map at a fixed IOVA. */
    public static IoasMapFile fixed(int ioasId, MemFile file, long start, long iova, long length) {
        return new IoasMapFile(ioasId, IoasMap.FIXED_IOVA | IoasMap.RW, file, start, length, iova);
    }
}
