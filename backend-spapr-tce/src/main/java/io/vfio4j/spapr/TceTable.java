package io.vfio4j.spapr;

import io.vfio4j.api.host.TceTableSpec;

/**
 * The memory of one TCE table: 64-bit entries ({@code hpa | permission bits}, 0 = empty) and, per
 * entry, the userspace shadow (the user address the entry came from, which v2 needs to find the
 * preregistered region on clear). Small single-level tables are two flat arrays; larger or
 * multi-level tables are chunks allocated on first write, so that an empty part of a big window
 * costs nothing and is skipped whole on clear.
 *
 * <p>Not thread-safe: the container lock guards it. The platform reads it through {@link #get}.
 */
final class TceTable {
    /** Single-level tables up to this many entries are flat arrays (8 MiB for both). */
    private static final long FLAT_LIMIT = 1L << 19;

    /**
     * Chunk size bounds: small enough to allocate lazily, big enough to keep the directory small.
     */
    private static final int MIN_CHUNK_SHIFT = 13;

    private static final int MAX_CHUNK_SHIFT = 16;
    private static final int DIR_SHIFT = 12;

    private final long size;
    private final long[] flatEntries;
    private final long[] flatShadow;
    private final int chunkShift;
    private final long[][][] dirEntries;
    private final long[][][] dirShadow;
    private volatile long live;

    TceTable(TceTableSpec spec) {
        this.size = spec.entries();
        if (spec.levels() == 1 && size <= FLAT_LIMIT) {
            flatEntries = new long[(int) size];
            flatShadow = new long[(int) size];
            chunkShift = 0;
            dirEntries = null;
            dirShadow = null;
        } else {
            flatEntries = null;
            flatShadow = null;
            chunkShift = Math.max(MIN_CHUNK_SHIFT, Math.min(MAX_CHUNK_SHIFT, spec.levelShift()));
            long chunks = (size + (1L << chunkShift) - 1) >>> chunkShift;
            int dirs = (int) ((chunks + (1L << DIR_SHIFT) - 1) >>> DIR_SHIFT);
            dirEntries = new long[dirs][][];
            dirShadow = new long[dirs][][];
        }
    }

    /** Entries in the table. */
    long size() {
        return size;
    }

    /** Non-empty entries. */
    long live() {
        return live;
    }

    /** The entry at {@code index}; 0 if empty or never allocated. */
    long get(long index) {
        if (index < 0 || index >= size) {
            return 0;
        }
        if (flatEntries != null) {
            return flatEntries[(int) index];
        }
        long[] chunk = chunk(dirEntries, index);
        return chunk == null ? 0 : chunk[offset(index)];
    }

    /** The userspace address recorded for {@code index}; 0 if none. */
    long shadow(long index) {
        if (flatShadow != null) {
            return flatShadow[(int) index];
        }
        long[] chunk = chunk(dirShadow, index);
        return chunk == null ? 0 : chunk[offset(index)];
    }

    /**
     * Writes {@code entry} and {@code shadow} at {@code index} and returns the old entry (the
     * kernel's {@code xchg}). Writing 0 into an unallocated chunk allocates nothing.
     */
    long exchange(long index, long entry, long shadowValue) {
        long old;
        if (flatEntries != null) {
            int i = (int) index;
            old = flatEntries[i];
            flatEntries[i] = entry;
            flatShadow[i] = shadowValue;
        } else {
            long[] chunk = chunk(dirEntries, index);
            if (chunk == null) {
                if (entry == 0) {
                    return 0;
                }
                chunk = allocate(index);
            }
            int o = offset(index);
            old = chunk[o];
            chunk[o] = entry;
            chunk(dirShadow, index)[o] = shadowValue;
        }
        if (old == 0 && entry != 0) {
            live++;
        } else if (old != 0 && entry == 0) {
            live--;
        }
        return old;
    }

    /**
     * Writes {@code count} entries from {@code index}: entry {@code k} is {@code entry + k * step}
     * with shadow {@code shadow + k * step}. Every entry of the range must be empty (the caller
     * checks with {@link #anyLive}): this is a run of {@link #exchange}s that replace nothing.
     */
    void fill(long index, long count, long entry, long shadowValue, long step) {
        long i = index;
        long end = index + count;
        long e = entry;
        long sh = shadowValue;
        while (i < end) {
            long[] entries;
            long[] shadows;
            int o;
            int n;
            if (flatEntries != null) {
                entries = flatEntries;
                shadows = flatShadow;
                o = (int) i;
                n = (int) (end - i);
            } else {
                entries = chunk(dirEntries, i);
                if (entries == null) {
                    entries = allocate(i);
                }
                shadows = chunk(dirShadow, i);
                o = offset(i);
                n = (int) Math.min(end - i, (1L << chunkShift) - o);
            }
            for (int k = 0; k < n; k++) {
                entries[o + k] = e;
                shadows[o + k] = sh;
                e += step;
                sh += step;
            }
            i += n;
        }
        live += count;
    }

    /**
     * Empties the stretch of live entries that starts at {@code from} (a live entry) and ends
     * before {@code to}, an empty entry, an entry whose {@code entry & mask} differs from the
     * first's, or one whose shadow is not {@code shadow + k * step} (the first's shadow must be
     * {@code shadow}). Returns how many entries it emptied, at least 1. One pass, no per-entry
     * bookkeeping: the caller releases the stretch as a whole.
     *
     * <p>The flat-or-chunk selection repeats {@link #fill}'s on purpose: sharing it through a
     * helper cost 10-15 % of TCE put+clear.
     */
    long clearStretch(long from, long to, long shadowValue, long step, long mask) {
        long end = Math.min(to, size);
        long i = from;
        long sh = shadowValue;
        long want = get(from) & mask;
        outer:
        while (i < end) {
            long[] entries;
            long[] shadows;
            int o;
            int n;
            if (flatEntries != null) {
                entries = flatEntries;
                shadows = flatShadow;
                o = (int) i;
                n = (int) (end - i);
            } else {
                entries = chunk(dirEntries, i);
                if (entries == null) {
                    break;
                }
                shadows = chunk(dirShadow, i);
                o = offset(i);
                n = (int) Math.min(end - i, (1L << chunkShift) - o);
            }
            for (int k = o; k < o + n; k++) {
                long e = entries[k];
                if (e == 0 || (e & mask) != want || shadows[k] != sh) {
                    i += k - o;
                    break outer;
                }
                entries[k] = 0;
                shadows[k] = 0;
                sh += step;
            }
            i += n;
        }
        long cleared = i - from;
        live -= cleared;
        return cleared;
    }

    /**
     * The first non-empty entry in {@code [from, to)}, or -1. Unallocated chunks are skipped whole
     * (the kernel skips unallocated levels the same way).
     */
    long nextLive(long from, long to) {
        long end = Math.min(to, size);
        long i = Math.max(0, from);
        if (flatEntries != null) {
            for (; i < end; i++) {
                if (flatEntries[(int) i] != 0) {
                    return i;
                }
            }
            return -1;
        }
        while (i < end) {
            long[] chunk = chunk(dirEntries, i);
            long chunkEnd = Math.min(end, ((i >>> chunkShift) + 1) << chunkShift);
            if (chunk != null) {
                for (; i < chunkEnd; i++) {
                    if (chunk[offset(i)] != 0) {
                        return i;
                    }
                }
            }
            i = chunkEnd;
        }
        return -1;
    }

    /** True if any entry in {@code [from, to)} is non-empty. */
    boolean anyLive(long from, long to) {
        return live > 0 && nextLive(from, to) >= 0;
    }

    private long[] chunk(long[][][] dir, long index) {
        long c = index >>> chunkShift;
        long[][] sub = dir[(int) (c >>> DIR_SHIFT)];
        return sub == null ? null : sub[(int) (c & ((1 << DIR_SHIFT) - 1))];
    }

    private long[] allocate(long index) {
        long c = index >>> chunkShift;
        int d = (int) (c >>> DIR_SHIFT);
        int s = (int) (c & ((1 << DIR_SHIFT) - 1));
        if (dirEntries[d] == null) {
            dirEntries[d] = new long[1 << DIR_SHIFT][];
            dirShadow[d] = new long[1 << DIR_SHIFT][];
        }
        long[] chunk = new long[1 << chunkShift];
        dirEntries[d][s] = chunk;
        dirShadow[d][s] = new long[1 << chunkShift];
        return chunk;
    }

    private int offset(long index) {
        return (int) (index & ((1L << chunkShift) - 1));
    }
}
