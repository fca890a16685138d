package io.vfio4j.host;

import java.lang.reflect.Array;

/**
 * A sorted sequence stored column-wise in parallel primitive arrays with a movable gap. Edits at
 * one position in a row (MAP appending runs in order, UNMAP removing them in order) cost O(1) each,
 * and an edit elsewhere moves only the entries between the gap and that position; there is no
 * object per entry. Subclasses own the typed columns and their ordering; this class moves the gap
 * and resizes. Not thread-safe.
 */
abstract class GapBuffer {
    static final int MIN_CAPACITY = 16;

    /**
     * Removals never shrink the buffer below this many entries: a domain unmapped and mapped again
     * (a VM reboot, a benchmark loop) would otherwise reallocate its table every time; at most this
     * much (1.75 MiB for a page table) stays allocated.
     */
    static final int RETAINED_CAPACITY = 1 << 16;

    private Object[] columns;
    private int capacity;
    private int size;

    /** Logical index where the gap starts; the gap is {@code capacity - size} slots long. */
    private int gap;

    /** Registers the subclass's column arrays, all of one length; its constructor calls this. */
    final void useColumns(Object... initial) {
        columns = initial;
        capacity = Array.getLength(initial[0]);
    }

    /** Takes resized columns (in the order given to {@link #useColumns}). */
    abstract void setColumns(Object[] resized);

    final int capacity() {
        return capacity;
    }

    final int size() {
        return size;
    }

    /** The array index of logical entry {@code i}. */
    final int slot(int i) {
        return i < gap ? i : i + capacity() - size;
    }

    /**
     * The logical index of the last entry whose key (in column {@code keys}, ascending) is at or
     * below {@code key}, or -1.
     *
     * @param unsigned compare as unsigned (IOVAs) rather than signed (frame numbers)
     */
    final int floor(long[] keys, long key, boolean unsigned) {
        int lo = 0;
        int hi = size - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = keys[slot(mid)];
            if (unsigned ? Long.compareUnsigned(k, key) <= 0 : k <= key) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * Makes room for a new entry at logical index {@code at} (growing if full).
     *
     * @return the array index to write the entry's columns to
     */
    final int openSlot(int at) {
        if (size == capacity()) {
            resize(capacity() * 2);
        }
        moveGap(at);
        int s = gap;
        gap++;
        size++;
        return s;
    }

    /** Removes logical entry {@code at}. */
    final void remove(int at) {
        moveGap(at);
        // The entry now sits just after the gap: widening the gap drops it.
        size--;
        if (size < capacity() / 4 && capacity() > RETAINED_CAPACITY) {
            resize(Math.max(RETAINED_CAPACITY, capacity() / 2));
        }
    }

    /** Empties the buffer, back to the minimum capacity. */
    final void clear() {
        size = 0;
        gap = 0;
        resize(MIN_CAPACITY);
    }

    /** Moves the gap to logical index {@code at}: only the entries in between move. */
    private void moveGap(int at) {
        int gapLength = capacity() - size;
        if (at < gap) {
            for (Object column : columns) {
                System.arraycopy(column, at, column, at + gapLength, gap - at);
            }
        } else if (at > gap) {
            for (Object column : columns) {
                System.arraycopy(column, gap + gapLength, column, gap, at - gap);
            }
        }
        gap = at;
    }

    /** Copies the entries into columns of {@code capacity}, with the gap at the end. */
    private void resize(int capacity) {
        moveGap(size);
        Object[] resized = new Object[columns.length];
        for (int c = 0; c < columns.length; c++) {
            resized[c] = Array.newInstance(columns[c].getClass().getComponentType(), capacity);
            System.arraycopy(columns[c], 0, resized[c], 0, size);
        }
        columns = resized;
        this.capacity = capacity;
        setColumns(resized);
    }
}
