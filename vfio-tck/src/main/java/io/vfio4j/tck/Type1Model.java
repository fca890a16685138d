package io.vfio4j.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The type1 reference model: mappings with their external pins. */
final class Type1Model {
    static final class Mapping {
        final int start;
        final int pages;
        final TreeMap<Integer, Integer> pins = new TreeMap<>();

        /** Exact pin ranges {first, last} with their users (exact-range unpin only). */
        final Map<List<Integer>, Integer> records = new java.util.HashMap<>();

        Mapping(int start, int pages) {
            this.start = start;
            this.pages = pages;
        }

        boolean contains(int page) {
            return page >= start && page < start + pages;
        }

        @Override
        public String toString() {
            return "[" + start + "+" + pages + (pins.isEmpty() ? "" : " pins " + pins) + "]";
        }
    }

    final TreeMap<Integer, Mapping> maps = new TreeMap<>();

    boolean overlaps(int page, int pages) {
        return maps.values().stream()
                .anyMatch(m -> m.start < page + pages && page < m.start + m.pages);
    }

    void map(int page, int pages) {
        maps.put(page, new Mapping(page, pages));
    }

    Mapping covering(int page) {
        Map.Entry<Integer, Mapping> e = maps.floorEntry(page);
        return e != null && e.getValue().contains(page) ? e.getValue() : null;
    }

    boolean covers(int page, int pages) {
        for (int p = page; p < page + pages; p++) {
            if (covering(p) == null) {
                return false;
            }
        }
        return true;
    }

    /** The mappings an unmap removes, or null if it is refused (EINVAL). */
    List<Mapping> toUnmap(int page, int pages, boolean v2) {
        int end = page + pages;
        if (v2) {
            Mapping first = covering(page);
            Mapping last = covering(end - 1);
            if ((first != null && first.start != page)
                    || (last != null && last.start + last.pages != end)) {
                return null;
            }
            return maps.values().stream()
                    .filter(m -> m.start >= page && m.start + m.pages <= end)
                    .toList();
        }
        // v1: stop at once if the first overlapping mapping starts below the range; else
        // remove every mapping that starts inside it, whole.
        Mapping first = covering(page);
        if (first != null && first.start < page) {
            return List.of();
        }
        return maps.values().stream().filter(m -> m.start >= page && m.start < end).toList();
    }

    void pin(int page, int pages) {
        for (int p = page; p < page + pages; p++) {
            covering(p).pins.merge(p, 1, Integer::sum);
        }
        for (int[] piece : pieces(page, pages)) {
            covering(piece[0]).records.merge(List.of(piece[0], piece[1]), 1, Integer::sum);
        }
    }

    /**
     * Cuts the mapping holding {@code endPage} so that a piece ends there (iommufd's
     * iopt_cut_iova); a mapping with pins cannot be cut.
     *
     * @return false if the cut was refused
     */
    boolean cutAfter(int endPage) {
        Mapping m = covering(endPage);
        if (m == null || m.start + m.pages - 1 == endPage) {
            return true;
        }
        if (!m.records.isEmpty()) {
            return false;
        }
        maps.remove(m.start);
        maps.put(m.start, new Mapping(m.start, endPage + 1 - m.start));
        maps.put(endPage + 1, new Mapping(endPage + 1, m.start + m.pages - endPage - 1));
        return true;
    }

    /** [page, page + pages) cut at mapping boundaries, up to the first unmapped page. */
    List<int[]> pieces(int page, int pages) {
        List<int[]> out = new ArrayList<>();
        int p = page;
        int end = page + pages;
        while (p < end) {
            Mapping m = covering(p);
            if (m == null) {
                break;
            }
            int last = Math.min(end, m.start + m.pages) - 1;
            out.add(new int[] {p, last});
            p = last + 1;
        }
        return out;
    }

    /**
     * iommufd's unpin: per mapping, one user of the record of exactly that piece; a piece with no
     * such record releases nothing (a WARN).
     *
     * @return the pieces released
     */
    List<int[]> unpinExact(int page, int pages) {
        List<int[]> released = new ArrayList<>();
        for (int[] piece : pieces(page, pages)) {
            Mapping m = covering(piece[0]);
            List<Integer> key = List.of(piece[0], piece[1]);
            Integer users = m.records.get(key);
            if (users == null) {
                continue;
            }
            if (users == 1) {
                m.records.remove(key);
            } else {
                m.records.put(key, users - 1);
            }
            for (int p = piece[0]; p <= piece[1]; p++) {
                int refs = m.pins.get(p);
                if (refs == 1) {
                    m.pins.remove(p);
                } else {
                    m.pins.put(p, refs - 1);
                }
            }
            released.add(piece);
        }
        return released;
    }

    /** The kernel's unpin walk: stop at an unmapped page, ignore pages not pinned. */
    List<Integer> unpin(int page, int pages) {
        List<Integer> released = new ArrayList<>();
        for (int p = page; p < page + pages; p++) {
            Mapping m = covering(p);
            if (m == null) {
                break;
            }
            Integer refs = m.pins.get(p);
            if (refs == null) {
                continue; // not pinned: ignored, as the kernel does
            }
            if (refs == 1) {
                m.pins.remove(p);
            } else {
                m.pins.put(p, refs - 1);
            }
            released.add(p);
        }
        return released;
    }

    long expectedLocked(boolean domain) {
        long sum = 0;
        for (Mapping m : maps.values()) {
            sum += domain ? m.pages : m.pins.size();
        }
        return sum;
    }

    long mappedPages() {
        return maps.values().stream().mapToLong(m -> m.pages).sum();
    }

    long pinnedPages() {
        return maps.values().stream().mapToLong(m -> m.pins.size()).sum();
    }

    long pinReferences() {
        return maps.values().stream()
                .flatMap(m -> m.pins.values().stream())
                .mapToLong(Integer::longValue)
                .sum();
    }

    Map<Long, Integer> heldByIova(TckSystem system) {
        TreeMap<Long, Integer> out = new TreeMap<>(Long::compareUnsigned);
        for (Mapping m : maps.values()) {
            m.pins.forEach((p, refs) -> out.put(system.iova(p), refs));
        }
        return out;
    }

    @Override
    public String toString() {
        return maps.values().toString();
    }
}
