package io.vfio4j.iommufd;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The access path of emulated devices (docs/reference/iommufd.md §6; device.c {@code
 * iommufd_access_pin_pages}, {@code _unpin_pages}, {@code _rw}; pages.c {@code
 * iopt_area_add_access}): pins are exact index-range records per area with a user count, with no
 * bound on the pages of one call; an unpin that matches no record exactly is a WARN and releases
 * nothing. Guarded by the container's lock.
 */
final class AccessPins {
    private final Ioas ioas;

    /** The open emulated devices (one access each) with their unmap callbacks, in open order. */
    final Map<VfioDeviceHandle, DmaUnmapListener> accesses = new LinkedHashMap<>();

    AccessPins(Ioas ioas) {
        this.ioas = ioas;
    }

    /** One area's part of a request: [iova, last] inside {@code area}. */
    private record Piece(Area area, long iova, long last) {
        Area.IndexRange range() {
            return new Area.IndexRange(area.indexOf(iova), area.indexOf(last));
        }
    }

    /**
     * The contiguous areas covering [iova, last] (iopt_area_contig_*), cut to the request.
     *
     * @return the pieces; when {@code strict}, null never: ENOENT for a hole
     */
    private List<Piece> cover(long iova, long last, boolean strict) {
        List<Piece> out = new ArrayList<>();
        long at = iova;
        while (true) {
            Area a = ioas.areaAt(at);
            if (a == null) {
                if (strict) {
                    throw VfioException.of(
                            Errno.ENOENT, "IOVA 0x%x is not mapped (no contiguous area)", at);
                }
                return out;
            }
            long end = Long.compareUnsigned(a.last(), last) < 0 ? a.last() : last;
            out.add(new Piece(a, at, end));
            if (end == last) {
                return out;
            }
            at = end + 1;
        }
    }

    private static long lastOf(long iova, long length) {
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw VfioException.of(Errno.EOVERFLOW, "0x%x + 0x%x wraps", iova, length);
        }
        return last;
    }

    private void requireAttached(VfioDeviceHandle device) {
        if (!accesses.containsKey(device)) {
            throw VfioException.of(
                    Errno.ENOENT, "%s has no access attached to the IOAS", device.name());
        }
    }

    private static void requireUsable(Area a, int prot, String what) {
        if (a.preventAccess) {
            throw VfioException.of(Errno.EINVAL, "%s: %s is being unmapped", what, a);
        }
        if ((prot & DmaProt.WRITE) != 0 && ((a.prot & DmaProt.WRITE) == 0 || !a.pages.writable)) {
            throw VfioException.of(Errno.EPERM, "%s: %s is not writable", what, a);
        }
        if ((prot & DmaProt.READ) != 0 && (a.prot & DmaProt.READ) == 0) {
            throw VfioException.of(Errno.EPERM, "%s: %s is not readable", what, a);
        }
    }

    /** X2/X3: pins npage pages from iova (rounded down to a page) for {@code device}. */
    int pin(VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
        long p = ioas.pageSize;
        long start = iova - Long.remainderUnsigned(iova, p);
        long last = lastOf(start, (long) npage * p);
        requireAttached(device);
        List<Piece> pieces = cover(start, last, true);
        for (Piece piece : pieces) {
            requireUsable(piece.area(), prot, "pin by " + device.name());
        }
        List<Piece> done = new ArrayList<>();
        try {
            for (Piece piece : pieces) {
                ioas.host.allocation("iopt_pages_access");
                Area.IndexRange r = piece.range();
                Integer users = piece.area().accessRecords.get(r);
                if (users == null) {
                    piece.area().pages.hold(r.first(), r.last());
                    piece.area().accessRecords.put(r, 1);
                } else {
                    piece.area().accessRecords.put(r, users + 1);
                }
                done.add(piece);
            }
        } catch (RuntimeException e) {
            for (Piece piece : done) {
                dropRecord(piece.area(), piece.range());
            }
            throw e;
        }
        int k = 0;
        for (Piece piece : pieces) {
            Area.IndexRange r = piece.range();
            for (int idx = r.first(); idx <= r.last() && k < npage; idx++) {
                pfns[k++] = piece.area().pages.pfn(idx);
            }
        }
        return npage;
    }

    /** X5: removes one user of the exact record of each covered area; no match is a WARN. */
    void unpin(VfioDeviceHandle device, long iova, int npage) {
        long p = ioas.pageSize;
        long start = iova - Long.remainderUnsigned(iova, p);
        long last = start + (long) npage * p - 1;
        if (npage <= 0 || Long.compareUnsigned(last, start) < 0 || !accesses.containsKey(device)) {
            ioas.events.kernelWarn(
                    "iommufd_access_unpin_pages by " + device.name() + ": bad range or no access");
            return;
        }
        List<Piece> pieces = cover(start, last, false);
        for (Piece piece : pieces) {
            Area.IndexRange r = piece.range();
            if (!piece.area().accessRecords.containsKey(r)) {
                ioas.events.kernelWarn(
                        String.format(
                                java.util.Locale.ROOT,
                                "iommufd_access_unpin_pages by %s: no pin of exactly [0x%x, 0x%x] in %s;"
                                        + " nothing released",
                                device.name(),
                                piece.iova(),
                                piece.last(),
                                piece.area()));
                continue;
            }
            dropRecord(piece.area(), r);
        }
        long covered = pieces.isEmpty() ? start : pieces.get(pieces.size() - 1).last() + 1;
        if (pieces.isEmpty() || Long.compareUnsigned(covered - 1, last) < 0) {
            ioas.events.kernelWarn(
                    String.format(
                            java.util.Locale.ROOT,
                            "iommufd_access_unpin_pages by %s: 0x%x is not mapped",
                            device.name(),
                            covered));
        }
    }

    private static void dropRecord(Area a, Area.IndexRange r) {
        int users = a.accessRecords.get(r);
        if (users > 1) {
            a.accessRecords.put(r, users - 1);
            return;
        }
        a.accessRecords.remove(r);
        a.pages.release(r.first(), r.last());
    }

    /** X11: copies through the IOVA without pinning; never changes a counter. */
    void rw(VfioDeviceHandle device, long iova, byte[] buf, int offset, int length, boolean write) {
        if (length <= 0) {
            throw VfioException.of(Errno.EINVAL, "dma_rw of %d bytes", length);
        }
        long last = lastOf(iova, length);
        requireAttached(device);
        List<Piece> pieces = cover(iova, last, true);
        int prot = write ? DmaProt.WRITE : DmaProt.READ;
        for (Piece piece : pieces) {
            requireUsable(piece.area(), prot, "dma_rw by " + device.name());
        }
        int done = 0;
        for (Piece piece : pieces) {
            Area a = piece.area();
            int n = (int) (piece.last() - piece.iova() + 1);
            long va = a.va + (piece.iova() - a.iova);
            if (a.pages.file != null) {
                // A MAP_FILE area: va is the offset in the file (§4.3).
                if (write) {
                    a.pages.file.write(va, buf, offset + done, n);
                } else {
                    a.pages.file.read(va, buf, offset + done, n);
                }
            } else if (write) {
                a.pages.space.write(va, buf, offset + done, n);
            } else {
                a.pages.space.read(va, buf, offset + done, n);
            }
            done += n;
        }
    }

    /** Distinct pages pinned by access records, and the references (users × pages) they hold. */
    long[] counts() {
        long distinct = 0;
        long refs = 0;
        for (Area a : ioas.areas.values()) {
            java.util.BitSet seen = new java.util.BitSet();
            for (Map.Entry<Area.IndexRange, Integer> e : a.accessRecords.entrySet()) {
                Area.IndexRange r = e.getKey();
                seen.set(r.first(), r.last() + 1);
                refs += e.getValue() * r.pages();
            }
            distinct += seen.cardinality();
        }
        return new long[] {distinct, refs};
    }
}
