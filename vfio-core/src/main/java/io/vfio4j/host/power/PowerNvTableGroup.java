package io.vfio4j.host.power;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.EehPe;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.api.host.TceTableSpec;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

/**
 * A PowerNV IODA2 partitionable endpoint (PE): the TCE table group of an IOMMU group on a POWER8 or
 * POWER9 host. It has two window slots: slot 0 at {@code tce32Start} (the default 32-bit window
 * lives there), slot 1 at {@code 1 << 59} (the 64-bit bypass base), multi-level tables of at most
 * five levels, and optionally an EEH PE.
 *
 * <p>Variants for the reference setup: {@link Builder#noDdw()} (a group without dynamic windows,
 * usable by v1 only) and {@link Builder#platformType(String)} (groups of another platform type
 * cannot share a container). Window programming can be observed ({@link #window(int)}, {@link
 * #dmaTranslate(long)}) and failures injected ({@link #failNextCreate(Errno)}, {@link
 * #failNextSetWindow(Errno)}).
 */
public final class PowerNvTableGroup implements TceTableGroup {
    /** Slot 1's bus address: the IODA2 64-bit TCE bypass base. */
    public static final long SLOT1_BUS_OFFSET = 1L << 59;

    /** POWER8 firmware fallback: 4 KiB, 64 KiB, 16 MiB and 256 MiB IOMMU pages. */
    public static final long POWER8_PAGE_SIZES = 0x11011000L;

    /** The platform type of every group this class builds unless told otherwise. */
    public static final String IODA2 = "powernv-ioda2";

    private static final int SLOTS = 2;

    private final int systemPageShift;
    private final long tce32Start;
    private final long tce32Size;
    private final long pageSizes;
    private final int maxDynamicWindows;
    private final int maxLevels;
    private final String platformType;
    private final boolean windowOps;
    private final Optional<EehPe> eehPe;

    private final Programmed[] windows = new Programmed[SLOTS];
    private long invalidations;
    private Errno failNextCreate;
    private Errno failNextSetWindow;

    /** A table programmed into a slot, with the reader the hardware walks. */
    public record Programmed(TceTableSpec table, LongUnaryOperator entries) {}

    private PowerNvTableGroup(Builder b) {
        this.systemPageShift = b.systemPageShift;
        this.tce32Start = b.tce32Start;
        this.tce32Size = b.tce32Size;
        this.pageSizes = b.pageSizes;
        this.maxDynamicWindows = b.maxDynamicWindows;
        this.maxLevels = b.maxLevels;
        this.platformType = b.platformType;
        this.windowOps = b.windowOps;
        this.eehPe = b.eeh ? Optional.of(new PowerNvEehPe()) : Optional.empty();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The reference setup's PE: 64 KiB system pages, [0, 2 GiB), POWER8 page sizes, 2 windows. */
    public static PowerNvTableGroup ioda2() {
        return builder().build();
    }

    @Override
    public long tce32Start() {
        return tce32Start;
    }

    @Override
    public long tce32Size() {
        return tce32Size;
    }

    @Override
    public long pageSizes() {
        return pageSizes;
    }

    @Override
    public int maxDynamicWindows() {
        return maxDynamicWindows;
    }

    @Override
    public int maxLevels() {
        return maxLevels;
    }

    @Override
    public String platformType() {
        return platformType;
    }

    @Override
    public boolean hasWindowOps() {
        return windowOps;
    }

    @Override
    public long tableSize(int pageShift, long windowSize, int levels) {
        if (!windowOps || levels > maxLevels) {
            return 0;
        }
        return PowerNvTableSize.tableBytes(pageShift, windowSize, levels, systemPageShift);
    }

    @Override
    public synchronized TceTableSpec createTable(
            int slot, int pageShift, long windowSize, int levels) {
        if (!windowOps) {
            throw new VfioException(
                    Errno.EPERM, "platform " + platformType + " has no window operations");
        }
        checkSlot(slot);
        if (levels < 1 || levels > maxLevels) {
            throw VfioException.of(
                    Errno.EINVAL, "%d table levels: the platform accepts 1..%d", levels, maxLevels);
        }
        if (Long.bitCount(windowSize) != 1
                || pageShift < 12
                || pageShift > 40
                || windowSize < (1L << pageShift)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "window size 0x%x with page shift %d is not a power of two of whole pages",
                    windowSize,
                    pageShift);
        }
        if (!PowerNvTableSize.addressable(pageShift, windowSize, levels, systemPageShift)) {
            throw VfioException.of(
                    Errno.EINVAL,
                    "a %d-level table for 0x%x bytes of 2^%d pages exceeds the %d TCE address bits",
                    levels,
                    windowSize,
                    pageShift,
                    PowerNvTableSize.MAX_ADDRESS_BITS);
        }
        if (failNextCreate != null) {
            Errno e = failNextCreate;
            failNextCreate = null;
            throw new VfioException(e, "injected failure allocating a TCE table");
        }
        long bus = slot == 0 ? tce32Start : SLOT1_BUS_OFFSET;
        int levelShift =
                PowerNvTableSize.levelShiftBytes(pageShift, windowSize, levels, systemPageShift)
                        - 3;
        long bytes = PowerNvTableSize.tableBytes(pageShift, windowSize, levels, systemPageShift);
        return new TceTableSpec(bus, pageShift, windowSize, levels, levelShift, bytes);
    }

    @Override
    public synchronized void setWindow(int slot, TceTableSpec table, LongUnaryOperator entries) {
        if (!windowOps) {
            throw new VfioException(
                    Errno.EPERM, "platform " + platformType + " has no window operations");
        }
        checkSlot(slot);
        if (failNextSetWindow != null) {
            Errno e = failNextSetWindow;
            failNextSetWindow = null;
            throw new VfioException(e, "injected failure programming window " + slot);
        }
        windows[slot] = new Programmed(table, entries);
    }

    @Override
    public synchronized void unsetWindow(int slot) {
        checkSlot(slot);
        windows[slot] = null;
    }

    @Override
    public synchronized void invalidate(int slot, long first, long count) {
        invalidations++;
    }

    @Override
    public long tcePermissions(int dmaProt) {
        // pnv_tce_xchg: a write-only entry is stored with the read bit as well.
        long perm = 0;
        if ((dmaProt & DmaProt.WRITE) != 0) {
            perm = TCE_READ | TCE_WRITE;
        } else if ((dmaProt & DmaProt.READ) != 0) {
            perm = TCE_READ;
        }
        return perm;
    }

    @Override
    public Optional<EehPe> eehPe() {
        return eehPe;
    }

    /** The table programmed into {@code slot}, if any. */
    public synchronized Optional<Programmed> window(int slot) {
        checkSlot(slot);
        return Optional.ofNullable(windows[slot]);
    }

    /** How many windows are programmed now. */
    public synchronized int programmedWindows() {
        int n = 0;
        for (Programmed p : windows) {
            n += p == null ? 0 : 1;
        }
        return n;
    }

    /** TCE cache invalidations requested so far. */
    public synchronized long invalidations() {
        return invalidations;
    }

    /**
     * The host physical address a device DMA to bus address {@code bus} reaches through the
     * programmed windows, or -1 if no window holds it or its entry is empty.
     */
    public synchronized long dmaTranslate(long bus) {
        long tce = entryFor(bus);
        if (tce == 0) {
            return -1;
        }
        long pageMask = (1L << windowFor(bus).table().pageShift()) - 1;
        // The entry holds the address of the IOMMU page; the low 12 bits are permissions.
        return (tce & ~0xFFFL) + (bus & pageMask);
    }

    /** The permission bits of the entry that translates {@code bus}, 0 if none. */
    public synchronized long dmaPermissions(long bus) {
        return entryFor(bus) & (TCE_READ | TCE_WRITE);
    }

    /** Makes the next {@link #createTable} fail with {@code errno} (after its geometry checks). */
    public synchronized void failNextCreate(Errno errno) {
        this.failNextCreate = errno;
    }

    /** Makes the next {@link #setWindow} fail with {@code errno}. */
    public synchronized void failNextSetWindow(Errno errno) {
        this.failNextSetWindow = errno;
    }

    private long entryFor(long bus) {
        Programmed p = windowFor(bus);
        return p == null
                ? 0
                : p.entries().applyAsLong((bus >>> p.table().pageShift()) - p.table().firstEntry());
    }

    private Programmed windowFor(long bus) {
        for (Programmed p : windows) {
            if (p != null) {
                long e = bus >>> p.table().pageShift();
                long first = p.table().firstEntry();
                if (e >= first && e - first < p.table().entries()) {
                    return p;
                }
            }
        }
        return null;
    }

    private static void checkSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("IODA2 has window slots 0 and 1, not " + slot);
        }
    }

    @Override
    public String toString() {
        return "PowerNvTableGroup["
                + platformType
                + ", tce32 0x"
                + Long.toHexString(tce32Start)
                + "+0x"
                + Long.toHexString(tce32Size)
                + ", windows "
                + maxDynamicWindows
                + "]";
    }

    /** Builds a PE; the defaults are the reference setup's. */
    public static final class Builder {
        private int systemPageShift = 16;
        private long tce32Start = 0;
        private long tce32Size = 2L << 30;
        private long pageSizes = POWER8_PAGE_SIZES;
        private int maxDynamicWindows = SLOTS;
        private int maxLevels = PowerNvTableSize.MAX_LEVELS;
        private String platformType = IODA2;
        private boolean windowOps = true;
        private boolean eeh = true;

        private Builder() {}

        /** log2 of the host page size (16 for 64 KiB, 12 for 4 KiB). */
        public Builder systemPageShift(int shift) {
            this.systemPageShift = shift;
            return this;
        }

        public Builder tce32(long start, long size) {
            this.tce32Start = start;
            this.tce32Size = size;
            return this;
        }

        public Builder pageSizes(long bitmap) {
            this.pageSizes = bitmap;
            return this;
        }

        /** A PE without dynamic DMA windows ({@code max_dynamic_windows_supported} 0): v1 only. */
        public Builder noDdw() {
            this.maxDynamicWindows = 0;
            return this;
        }

        public Builder maxLevels(int levels) {
            this.maxLevels = levels;
            return this;
        }

        /** Another platform type: groups of different types refuse to share a container. */
        public Builder platformType(String type) {
            this.platformType = type;
            return this;
        }

        /** A platform without window operations (CREATE and REMOVE fail with EPERM). */
        public Builder withoutWindowOps() {
            this.windowOps = false;
            return this;
        }

        /** A group without an EEH PE. */
        public Builder withoutEeh() {
            this.eeh = false;
            return this;
        }

        public PowerNvTableGroup build() {
            return new PowerNvTableGroup(this);
        }
    }
}
