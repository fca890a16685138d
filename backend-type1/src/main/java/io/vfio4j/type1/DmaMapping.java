package io.vfio4j.type1;

import io.vfio4j.api.DmaProt;

/**
 * One successful MAP_DMA (the kernel's {@code struct vfio_dma}). Never merged with a neighbour,
 * never split. Guarded by the container lock.
 */
final class DmaMapping {
    final long iova;
    final long size;
    final int prot;
    long vaddr;
    DmaOwner owner;

    /** Its pages are pinned (runs) and mapped in every domain. */
    boolean iommuMapped;

    /** Pages this mapping has charged to {@code owner} (the kernel's {@code dma->locked_vm}). */
    long lockedVm;

    boolean vaddrInvalid;
    final IommuRuns runs = new IommuRuns();

    /** External (vendor) pins keyed by IOVA page: pfn and reference count. Created on demand. */
    private PinGroupTable pins;

    /** One bit per minimum IOMMU page while dirty tracking is on, else null. */
    long[] dirty;

    DmaMapping(long iova, long vaddr, long size, int prot, DmaOwner owner) {
        this.iova = iova;
        this.vaddr = vaddr;
        this.size = size;
        this.prot = prot;
        this.owner = owner;
    }

    /** Last IOVA, inclusive. */
    long last() {
        return iova + size - 1;
    }

    boolean contains(long address) {
        return Long.compareUnsigned(address, iova) >= 0
                && Long.compareUnsigned(address, last()) <= 0;
    }

    boolean writable() {
        return (prot & DmaProt.WRITE) != 0;
    }

    boolean hasPins() {
        return pins != null && !pins.isEmpty();
    }

    PinGroupTable pins() {
        if (pins == null) {
            pins = new PinGroupTable();
        }
        return pins;
    }

    int pinCount() {
        return pins == null ? 0 : pins.size();
    }

    long pinRefs() {
        return pins == null ? 0 : pins.totalRefs();
    }

    void setDirty(long bit) {
        if (dirty != null) {
            dirty[(int) (bit >>> 6)] |= 1L << (bit & 63);
        }
    }

    void setDirtyRange(long fromBit, long toBitExclusive) {
        if (dirty == null) {
            return;
        }
        for (long b = fromBit; b < toBitExclusive; b++) {
            dirty[(int) (b >>> 6)] |= 1L << (b & 63);
        }
    }

    String describe() {
        return String.format(
                java.util.Locale.ROOT,
                "mapping [0x%x, 0x%x] vaddr 0x%x %s",
                iova,
                last(),
                vaddr,
                DmaProt.toString(prot));
    }
}
