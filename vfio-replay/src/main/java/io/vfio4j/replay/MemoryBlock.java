package io.vfio4j.replay;

import java.util.Objects;

/**
 * One block of QEMU's host memory: a RAMBlock ({@code info ramblock}) or a block the user describes
 * or the replay guessed.
 *
 * @param hva the host virtual address of its first byte
 * @param pageSize its backing page size: the host page, or 2 MiB / 1 GiB for hugetlbfs
 */
public record MemoryBlock(String name, long hva, long size, long pageSize, Kind kind) {
    /** What a mapping of the block is. */
    public enum Kind {
        /** Guest RAM: mapped read-write, pinned and charged. */
        RAM,
        /** ROM (pc.bios, pc.rom, option ROMs): mapped READ-only, pinned and charged. */
        ROM,
        /** Device memory (a BAR mmap, ram_device): PFNMAP, mapped but never pinned or charged. */
        DEVICE
    }

    public MemoryBlock {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (size <= 0) {
            throw new IllegalArgumentException("block " + name + ": size must be positive");
        }
        if (Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException(
                    "block " + name + ": page size is not a power of two");
        }
    }

    /** The first address past the block (unsigned). */
    public long end() {
        return hva + size;
    }

    /** Whether {@code [vaddr, vaddr + length)} lies inside the block. */
    public boolean contains(long vaddr, long length) {
        return Long.compareUnsigned(vaddr, hva) >= 0
                && Long.compareUnsigned(vaddr - hva, size) < 0
                && Long.compareUnsigned(length, size - (vaddr - hva)) <= 0;
    }
}
