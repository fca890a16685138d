package io.vfio4j.replay;

import io.vfio4j.api.Errno;
import io.vfio4j.replay.TraceEvent.CancelMap;
import io.vfio4j.replay.TraceEvent.GroupAttach;
import io.vfio4j.replay.TraceEvent.Informational;
import io.vfio4j.replay.TraceEvent.MapCall;
import io.vfio4j.replay.TraceEvent.Skipped;
import io.vfio4j.replay.TraceEvent.Source;
import io.vfio4j.replay.TraceEvent.UnmapCall;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one trace line into a {@link TraceEvent}. The formats are QEMU's {@code
 * hw/vfio/trace-events} and {@code backends/trace-events}, its error prints, and libvfio-user's DMA
 * log lines (sources and versions in docs/replay.md). Stateless.
 */
public final class TraceParser {
    private static final Pattern USER_DMA =
            Pattern.compile(
                    "(adding|removing|failed to add|failed to remove) DMA region"
                            + " \\[(0x[0-9a-fA-F]+|0), (0x[0-9a-fA-F]+|0)\\)(.*)");
    private static final String HEX = "(0x[0-9a-fA-F]+)";
    private static final Pattern ADD_RAM =
            Pattern.compile(
                    "region_add \\[ram\\] "
                            + HEX
                            + " - "
                            + HEX
                            + " \\[(0x[0-9a-fA-F]+|\\(nil\\))\\]");
    private static final Pattern DEL = Pattern.compile("region_del " + HEX + " - " + HEX);
    private static final Pattern NOTIFY =
            Pattern.compile("iommu (MAP|UNMAP) @ (?:0x)?([0-9a-fA-F]+) - (?:0x)?([0-9a-fA-F]+)");
    private static final Pattern GROUP = Pattern.compile("\\(([^)]*)\\) group (\\d+)");
    private static final Pattern PRINT_MAP =
            Pattern.compile(
                    "\\((?:(?:0x)?[0-9a-fA-F]+|\\(nil\\)), "
                            + HEX
                            + ", "
                            + HEX
                            + ", (0x[0-9a-fA-F]+|\\(nil\\))\\) = (-?\\d+)");
    private static final Pattern PRINT_UNMAP =
            Pattern.compile(
                    "\\((?:(?:0x)?[0-9a-fA-F]+|\\(nil\\)), " + HEX + ", " + HEX + "\\) = (-?\\d+)");
    private static final Pattern FD_MAP =
            Pattern.compile(
                    "iova="
                            + HEX
                            + " size="
                            + HEX
                            + " (?:addr=(\\S+)|fd=-?\\d+ start=-?\\d+)"
                            + " readonly=([01]) \\((-?\\d+)\\)");
    private static final Pattern FD_UNMAP =
            Pattern.compile("iova=" + HEX + " size=" + HEX + " \\((-?\\d+)\\)");

    /** QEMU's error_report texts around a failed map or unmap (container.c, iommufd.c). */
    private static final List<String> ERROR_TEXTS =
            List.of(
                    "VFIO_MAP_DMA failed",
                    "VFIO_UNMAP_DMA failed",
                    "VFIO_MAP_DMA: ",
                    "IOMMU_IOAS_MAP failed",
                    "IOMMU_IOAS_UNMAP failed");

    /** vfio_ and iommufd_ events that issue no container ioctl (QEMU 2.x to 10.x names). */
    private static final List<String> INFORMATIONAL =
            List.of(
                    "vfio_listener_region_add_skip",
                    "vfio_listener_region_del_skip",
                    "vfio_listener_region_skip",
                    "vfio_listener_region_add_iommu",
                    "vfio_listener_region_del_iommu",
                    "vfio_known_safe_misalignment",
                    "vfio_listener_region_add_bad_offset_alignment",
                    "vfio_region_",
                    "vfio_pci_",
                    "vfio_msi",
                    "vfio_intx_",
                    "vfio_get_device",
                    "vfio_put_",
                    "vfio_mdev",
                    "vfio_populate_device",
                    "vfio_get_dev_region",
                    "vfio_check_",
                    "vfio_quirk_",
                    "vfio_rom_",
                    "vfio_vga_",
                    "vfio_ioeventfd_",
                    "vfio_disconnect_container",
                    "vfio_detach_device",
                    "vfio_add_ext_cap_dropped",
                    "vfio_spapr_",
                    "vfio_prereg_",
                    "vfio_display_",
                    "vfio_platform_",
                    "vfio_intp_",
                    "vfio_migration_",
                    "vfio_save_",
                    "vfio_load_",
                    "vfio_state_pending",
                    "vfio_vmstate_change",
                    "vfio_device_dirty_tracking",
                    "vfio_get_dirty_bitmap",
                    "vfio_iommu_map_dirty_notify",
                    "vfio_dma_unmap_overflow_workaround",
                    "vfio_legacy_dma_unmap_overflow_workaround",
                    "vfio_cpr_",
                    "iommufd_");

    /** Parses line {@code lineNo} (1-based) of a trace. */
    public TraceEvent parse(long lineNo, String line) {
        return parse(lineNo, line, locate(line));
    }

    /**
     * Where the event name is: {@code start << 32 | end}, or -1 if the line has none. The name is
     * the first {@code vfio_} or {@code iommufd_} word not glued to a word before it and followed
     * by a blank, {@code (} or the end of the line (the log backend glues it to {@code
     * PID@SEC.USEC:}). A scan, not a regex: this runs once per line.
     */
    long locate(String line) {
        int n = line.length();
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            int p;
            if (c == 'v' && line.startsWith("vfio_", i)) {
                p = 5;
            } else if (c == 'i' && line.startsWith("iommufd_", i)) {
                p = 8;
            } else {
                continue;
            }
            if (i > 0 && isWord(line.charAt(i - 1))) {
                continue;
            }
            int j = i + p;
            while (j < n && isName(line.charAt(j))) {
                j++;
            }
            if (j > i + p
                    && (j == n
                            || line.charAt(j) == ' '
                            || line.charAt(j) == '\t'
                            || line.charAt(j) == '(')) {
                return ((long) i << 32) | j;
            }
        }
        return -1;
    }

    private static boolean isWord(char c) {
        return c == '_'
                || (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9');
    }

    private static boolean isName(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    /** As {@link #parse(long, String)}, with the event already located ({@link #locate}). */
    TraceEvent parse(long lineNo, String line, long location) {
        if (location < 0) {
            return noEvent(lineNo, line);
        }
        int start = (int) (location >>> 32);
        int end = (int) location;
        String name = line.substring(start, end);
        if (name.equals("vfio_iommu_map_notify")) {
            TraceEvent fast = notifyFast(lineNo, line, end);
            if (fast != null) {
                return fast;
            }
        }
        String args = line.substring(end).strip();
        try {
            TraceEvent parsed = parseEvent(lineNo, name, args);
            return parsed != null ? parsed : unknownOrInformational(lineNo, name);
        } catch (NumberFormatException ex) {
            return new Skipped(lineNo, name + ": a number does not fit in 64 bits");
        }
    }

    /** The text in front of the event, for {@link LineFormat#of}; empty if the line has none. */
    public String prefix(String line) {
        return prefix(line, locate(line));
    }

    String prefix(String line, long location) {
        if (location >= 0) {
            return line.substring(0, (int) (location >>> 32));
        }
        Matcher u = USER_DMA.matcher(line);
        return u.find() ? line.substring(0, u.start()) : "";
    }

    private TraceEvent noEvent(long lineNo, String line) {
        Matcher u = USER_DMA.matcher(line);
        if (u.find()) {
            return userDma(lineNo, u);
        }
        for (String text : ERROR_TEXTS) {
            if (line.contains(text)) {
                // The error print's errno reaches the call through the vfio_*dma_map print after
                // it.
                return new Informational(lineNo, text.substring(0, text.indexOf(' ')));
            }
        }
        if (!line.isEmpty() && Character.isWhitespace(line.charAt(0))) {
            return new Skipped(lineNo, "continuation line");
        }
        return new Skipped(lineNo, "no vfio, iommufd or vfio-user DMA event");
    }

    private TraceEvent parseEvent(long lineNo, String name, String args) {
        return switch (name) {
            case "vfio_listener_region_add_ram" -> addRam(lineNo, args);
            case "vfio_listener_region_del" -> del(lineNo, args);
            case "vfio_listener_region_add_no_dma_map" -> new CancelMap(lineNo);
            case "vfio_iommu_map_notify" -> notify(lineNo, args);
            case "vfio_realize", "vfio_attach_device" -> group(lineNo, name, args);
            case "vfio_region_mmap" -> RegionEvents.barMmap(lineNo, name, args);
            case "vfio_listener_region_add_skip", "vfio_listener_region_skip" ->
                    RegionEvents.skippedSection(lineNo, name, args);
            case "vfio_dma_map", "vfio_container_dma_map" -> printMap(lineNo, name, args);
            case "vfio_dma_unmap", "vfio_container_dma_unmap" -> printUnmap(lineNo, name, args);
            case "iommufd_backend_map_dma", "iommufd_backend_map_file_dma" -> fdMap(lineNo, args);
            case "iommufd_backend_unmap_dma", "iommufd_backend_unmap_dma_non_exist" ->
                    fdUnmap(lineNo, name, args);
            default -> null;
        };
    }

    private static TraceEvent addRam(long lineNo, String args) {
        Matcher m = ADD_RAM.matcher(args);
        if (!m.matches()) {
            return new Skipped(
                    lineNo, "vfio_listener_region_add_ram cut mid-line or malformed: " + args);
        }
        long start = Hex.parse(m.group(1));
        long end = Hex.parse(m.group(2));
        if (Long.compareUnsigned(end, start) < 0) {
            return new Skipped(lineNo, "vfio_listener_region_add_ram: end below start");
        }
        long vaddr = m.group(3).startsWith("0x") ? Hex.parse(m.group(3)) : 0;
        return new MapCall(
                lineNo, start, end - start + 1, vaddr, false, Source.LISTENER, TraceEvent.UNKNOWN);
    }

    private static TraceEvent del(long lineNo, String args) {
        Matcher m = DEL.matcher(args);
        if (!m.matches()) {
            return new Skipped(
                    lineNo, "vfio_listener_region_del cut mid-line or malformed: " + args);
        }
        return unmap(lineNo, Hex.parse(m.group(1)), Hex.parse(m.group(2)), Source.LISTENER, -1);
    }

    private static TraceEvent unmap(long lineNo, long start, long end, Source source, int errno) {
        if (Long.compareUnsigned(end, start) < 0) {
            return new Skipped(lineNo, "unmap range ends below its start");
        }
        long size = end - start + 1;
        return new UnmapCall(lineNo, start, size, size == 0, source, errno);
    }

    private static TraceEvent notify(long lineNo, String args) {
        Matcher m = NOTIFY.matcher(args);
        if (!m.matches()) {
            return new Skipped(lineNo, "vfio_iommu_map_notify cut mid-line or malformed: " + args);
        }
        long start = Hex.parse(m.group(2));
        long end = Hex.parse(m.group(3));
        if (m.group(1).equals("UNMAP")) {
            return unmap(lineNo, start, end, Source.VIOMMU, -1);
        }
        if (Long.compareUnsigned(end, start) < 0) {
            return new Skipped(lineNo, "vfio_iommu_map_notify: end below start");
        }
        return new MapCall(
                lineNo, start, end - start + 1, -1, false, Source.VIOMMU, TraceEvent.UNKNOWN);
    }

    /**
     * {@code iommu MAP @ 0x.. - 0x..} read without a regex: a vIOMMU trace is millions of these.
     * Returns null for anything else, which the regex path then reads or reports.
     */
    private static TraceEvent notifyFast(long lineNo, String line, int at) {
        int n = line.length();
        while (n > at && Character.isWhitespace(line.charAt(n - 1))) {
            n--;
        }
        boolean map;
        int p;
        if (line.startsWith(" iommu MAP @ ", at)) {
            map = true;
            p = at + 13;
        } else if (line.startsWith(" iommu UNMAP @ ", at)) {
            map = false;
            p = at + 15;
        } else {
            return null;
        }
        int dash = line.indexOf(" - ", p);
        if (dash < 0 || dash + 3 >= n) {
            return null;
        }
        try {
            long start = Hex.parse(line, p, dash);
            long end = Hex.parse(line, dash + 3, n);
            if (Long.compareUnsigned(end, start) < 0) {
                return null;
            }
            long size = end - start + 1;
            return map
                    ? new MapCall(lineNo, start, size, -1, false, Source.VIOMMU, TraceEvent.UNKNOWN)
                    : new UnmapCall(
                            lineNo, start, size, size == 0, Source.VIOMMU, TraceEvent.UNKNOWN);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static TraceEvent group(long lineNo, String name, String args) {
        Matcher m = GROUP.matcher(args);
        if (!m.find()) {
            return new Skipped(lineNo, name + " cut mid-line or malformed: " + args);
        }
        return new GroupAttach(lineNo, Integer.parseInt(m.group(2)), m.group(1).strip());
    }

    private static TraceEvent printMap(long lineNo, String name, String args) {
        Matcher m = PRINT_MAP.matcher(args);
        if (!m.lookingAt()) {
            return new Skipped(lineNo, name + " print cut mid-line or malformed");
        }
        long vaddr = m.group(3).startsWith("0x") ? Hex.parse(m.group(3)) : 0;
        return new MapCall(
                lineNo,
                Hex.parse(m.group(1)),
                Hex.parse(m.group(2)),
                vaddr,
                false,
                Source.ERROR_PRINT,
                errno(m.group(4)));
    }

    private static TraceEvent printUnmap(long lineNo, String name, String args) {
        Matcher m = PRINT_UNMAP.matcher(args);
        if (!m.lookingAt()) {
            return new Skipped(lineNo, name + " print cut mid-line or malformed");
        }
        long size = Hex.parse(m.group(2));
        return new UnmapCall(
                lineNo, Hex.parse(m.group(1)), size, false, Source.ERROR_PRINT, errno(m.group(3)));
    }

    private static TraceEvent fdMap(long lineNo, String args) {
        Matcher m = FD_MAP.matcher(args);
        if (!m.find()) {
            return new Skipped(lineNo, "iommufd map event cut mid-line or malformed");
        }
        String addr = m.group(3);
        long vaddr = addr == null ? -1 : addr.startsWith("0x") ? Hex.parse(addr) : 0;
        return new MapCall(
                lineNo,
                Hex.parse(m.group(1)),
                Hex.parse(m.group(2)),
                vaddr,
                m.group(4).equals("1"),
                Source.IOMMUFD,
                ioctlResult(m.group(5)));
    }

    private static TraceEvent fdUnmap(long lineNo, String name, String args) {
        Matcher m = FD_UNMAP.matcher(args);
        if (!m.find()) {
            return new Skipped(lineNo, name + " cut mid-line or malformed");
        }
        long iova = Hex.parse(m.group(1));
        long size = Hex.parse(m.group(2));
        // iommufd's "unmap everything" is iova 0, size UINT64_MAX (QEMU's iommufd container).
        boolean whole = iova == 0 && size == -1L;
        return new UnmapCall(
                lineNo, iova, whole ? 0 : size, whole, Source.IOMMUFD, errno(m.group(3)));
    }

    private static TraceEvent userDma(long lineNo, Matcher u) {
        long start = Hex.parse(u.group(2));
        long end = Hex.parse(u.group(3));
        if (Long.compareUnsigned(end, start) <= 0) {
            return new Skipped(lineNo, "vfio-user DMA region is empty or reversed");
        }
        String verb = u.group(1);
        String rest = u.group(4);
        int errno = verb.startsWith("failed") ? strerror(rest) : TraceEvent.UNKNOWN;
        if (verb.endsWith("remove") || verb.equals("removing")) {
            return new UnmapCall(lineNo, start, end - start, false, Source.VFIO_USER, errno);
        }
        return new MapCall(
                lineNo, start, end - start, -1, !writable(rest), Source.VFIO_USER, errno);
    }

    /**
     * libvfio-user 2021 prints prot= (PROT_WRITE 0x2); later ones flags= (DMA_REGION_WRITE 0x2).
     */
    private static boolean writable(String rest) {
        Matcher prot = Pattern.compile("prot=(0x[0-9a-fA-F]+|0)").matcher(rest);
        if (prot.find()) {
            return (Hex.parse(prot.group(1)) & 2) != 0;
        }
        Matcher flags = Pattern.compile("flags=(0x[0-9a-fA-F]+|0)").matcher(rest);
        return !flags.find() || (Hex.parse(flags.group(1)) & 2) != 0;
    }

    /** The errno whose strerror text ends the line, or {@link TraceEvent#UNKNOWN}. */
    private static int strerror(String rest) {
        String lower = rest.toLowerCase(Locale.ROOT);
        for (Errno e : Errno.values()) {
            if (lower.endsWith(e.description().toLowerCase(Locale.ROOT))) {
                return e.number();
            }
        }
        return TraceEvent.UNKNOWN;
    }

    /** ioctl()'s return as QEMU's iommufd backend prints it: 0, or -1 with the errno unprinted. */
    private static int ioctlResult(String ret) {
        int v = Integer.parseInt(ret);
        return v == 0 ? 0 : v == -1 ? TraceEvent.FAILED : -v;
    }

    /** QEMU prints {@code -errno} (or 0); the errno as a positive number. */
    private static int errno(String ret) {
        int v = Integer.parseInt(ret);
        return v < 0 ? -v : 0;
    }

    private static TraceEvent unknownOrInformational(long lineNo, String name) {
        for (String known : INFORMATIONAL) {
            if (name.startsWith(known)) {
                return new Informational(lineNo, name);
            }
        }
        return new Skipped(lineNo, "unknown event " + name);
    }
}
