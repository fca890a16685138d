package io.vfio4j.cli.scenario;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.mdev.ScriptedDevice;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Device steps: open and close, pin and unpin, DMA and CPU reads and writes with data checks. */
final class DeviceSteps {
    private DeviceSteps() {}

    static final Flags PROT = new Flags(Map.of("read", DmaProt.READ, "write", DmaProt.WRITE));

    /**
     * The most pages one pin or unpin step may name: 2^32 (16 TiB of 4 KiB pages). The kernel takes
     * an int per call; a step makes many calls.
     */
    static final long MAX_PAGES = 1L << 32;

    /**
     * The fewest: a count of 0 or below reaches the core as one call with that count, which the
     * kernel judges (vfio_main.c {@code vfio_pin_pages}: EINVAL for a pin; {@code
     * vfio_unpin_pages}: a WARN and nothing done), so the scenario may expect it. The kernel's
     * {@code npage} is an int.
     */
    static final long MIN_PAGES = Integer.MIN_VALUE;

    /**
     * The largest {@code chunk}: far above any VFIO_PIN_PAGES_MAX_ENTRIES (PAGE_SIZE/8, so 512 on 4
     * KiB pages: more is E2BIG), small enough that the page array of one call stays small.
     */
    static final int MAX_CHUNK = 1 << 20;

    /** The most calls one step makes; a step over more pages needs a larger chunk. */
    static final long MAX_CALLS = 1L << 20;

    /** The most bytes one read step reads (its data is printed and compared). */
    static final int MAX_LENGTH = 1 << 20;

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "open_device",
                        List.of("device"),
                        Map.of(),
                        "VFIO_GROUP_GET_DEVICE_FD: open a device (registers an mdev's DMA-unmap callback)",
                        (f, ctx) ->
                                new OpenClose(
                                        ctx.device(f.req("device")),
                                        true,
                                        ctx.defaultContainer())));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "close_device",
                        List.of("device"),
                        Map.of(),
                        "close a device (its vendor driver unpins what it holds, unless it leaks)",
                        (f, ctx) ->
                                new OpenClose(
                                        ctx.device(f.req("device")),
                                        false,
                                        ctx.defaultContainer())));
        for (boolean pin : new boolean[] {true, false}) {
            ContainerSteps.add(
                    kinds,
                    new StepKind(
                            pin ? "pin" : "unpin",
                            pin
                                    ? List.of("device", "iova", "pages", "prot", "chunk")
                                    : List.of("device", "iova", "pages", "chunk"),
                            pin ? Map.of("calls", Check.Unit.COUNT) : Map.of(),
                            pin
                                    ? "vfio_pin_pages by a device, in calls of at most 'chunk' pages (default 512)"
                                    : "vfio_unpin_pages by a device, in calls of at most 'chunk' pages",
                            (f, ctx) -> parsePin(f, ctx, pin)));
        }
        for (boolean write : new boolean[] {true, false}) {
            ContainerSteps.add(
                    kinds,
                    new StepKind(
                            write ? "dma_write" : "dma_read",
                            write
                                    ? List.of("device", "iova", "data", "hex")
                                    : List.of("device", "iova", "length"),
                            write
                                    ? Map.of()
                                    : Map.of("data", Check.Unit.TEXT, "hex", Check.Unit.TEXT),
                            write
                                    ? "a device writes guest memory through its IOMMU (mdev: dma_rw)"
                                    : "a device reads guest memory through its IOMMU (results data, hex)",
                            (f, ctx) -> parseDma(f, ctx, write)));
            ContainerSteps.add(
                    kinds,
                    new StepKind(
                            write ? "cpu_write" : "cpu_read",
                            write
                                    ? List.of("process", "vaddr", "data", "hex")
                                    : List.of("process", "vaddr", "length"),
                            write
                                    ? Map.of()
                                    : Map.of("data", Check.Unit.TEXT, "hex", Check.Unit.TEXT),
                            write
                                    ? "the process stores data at a user address"
                                    : "the process loads data from a user address (results data, hex)",
                            (f, ctx) -> parseCpu(f, ctx, write)));
        }
    }

    private static Action parsePin(Fields f, ParseContext ctx, boolean pin) {
        String device = ctx.device(f.req("device"));
        long pages = f.req("pages").integer(MIN_PAGES, MAX_PAGES);
        int chunk =
                f.opt("chunk")
                        .map(n -> n.intValue(1, MAX_CHUNK))
                        .orElse((int) (ctx.pageSize() / 8));
        long calls = calls(pages, chunk);
        if (calls > MAX_CALLS) {
            throw f.req("pages")
                    .error(
                            "%s: %s pages in chunks of %d is %s calls; a step makes at most %s",
                            f.req("pages").what(),
                            Sizes.count(pages),
                            chunk,
                            Sizes.count(calls),
                            Sizes.count(MAX_CALLS));
        }
        int prot = pin ? f.opt("prot").map(PROT::parse).orElse(DmaProt.RW) : 0;
        return new Pin(
                pin, device, ctx.addr(f.req("iova")), pages, prot, chunk, ctx.defaultContainer());
    }

    /** The calls a step makes: one for a count of 0 or below, which goes to the core as it is. */
    static long calls(long pages, int chunk) {
        return pages <= 0 ? 1 : (pages + chunk - 1) / chunk;
    }

    static byte[] data(Fields f) {
        Optional<YNode> text = f.opt("data");
        Optional<YNode> hex = f.opt("hex");
        if (text.isPresent() == hex.isPresent()) {
            throw f.node().error("%s: give exactly one of 'data' (text) or 'hex'", f.node().what());
        }
        if (text.isPresent()) {
            return text.get().text().getBytes(StandardCharsets.UTF_8);
        }
        return parseHex(hex.get());
    }

    static byte[] parseHex(YNode n) {
        try {
            return HexFormat.of().parseHex(normalizeHex(n.text()));
        } catch (IllegalArgumentException e) {
            throw n.error("%s: '%s' is not hex bytes (e.g. \"de ad be ef\")", n.what(), n.text());
        }
    }

    static String normalizeHex(String s) {
        String h = s.replaceAll("[\\s_:]", "").toLowerCase(Locale.ROOT);
        return h.startsWith("0x") ? h.substring(2) : h;
    }

    private static Action parseDma(Fields f, ParseContext ctx, boolean write) {
        String device = ctx.device(f.req("device"));
        Addr iova = ctx.addr(f.req("iova"));
        if (write) {
            return new Dma(device, iova, data(f), 0, ctx.defaultContainer());
        }
        int length = length(f);
        return new Dma(device, iova, null, length, ctx.defaultContainer());
    }

    private static Action parseCpu(Fields f, ParseContext ctx, boolean write) {
        String process = ctx.liveProcess(f);
        Addr vaddr = ctx.addr(f.req("vaddr"));
        if (write) {
            return new Cpu(process, vaddr, data(f), 0);
        }
        int length = length(f);
        return new Cpu(process, vaddr, null, length);
    }

    /** A read's length: 1 byte to {@link #MAX_LENGTH}; 0 when absent (taken from the expect). */
    private static int length(Fields f) {
        return f.opt("length").map(n -> (int) n.size(0, 1, MAX_LENGTH)).orElse(0);
    }

    /** A read step whose length may come from the data its expect checks. */
    interface Read {
        /** True for a read with no length given. */
        boolean needsLength();

        Action withLength(int length);
    }

    static Map<String, Object> readResults(byte[] buf) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", new String(buf, StandardCharsets.UTF_8));
        out.put("hex", HexFormat.of().formatHex(buf));
        return out;
    }

    static String show(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        if (s.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return "\"" + (s.length() > 24 ? s.substring(0, 24) + "..." : s) + "\"";
        }
        String h = HexFormat.of().formatHex(data);
        return "hex " + (h.length() > 24 ? h.substring(0, 24) + "..." : h);
    }

    record OpenClose(String device, boolean open, String container) implements Action {
        @Override
        public String describe() {
            return (open ? "open " : "close ") + device;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioDevice d = run.device(device);
            if (open) {
                d.vfioGroup().openDevice(d.name());
            } else if (!d.isOpen()) {
                // The scenario's device stands for its file descriptor; closing one that is not
                // open is close(2) of a descriptor not in the table: EBADF (close_fd, fs/open.c).
                throw VfioException.of(Errno.EBADF, "close: device %s is not open", device);
            } else {
                d.close();
            }
            return Map.of();
        }
    }

    record Pin(
            boolean pin,
            String device,
            Addr iova,
            long pages,
            int prot,
            int chunk,
            String container)
            implements Action {
        @Override
        public String describe() {
            long calls = calls(pages, chunk);
            return (pin ? "pin " : "unpin ")
                    + Sizes.count(pages)
                    + (pages == 1 ? " page" : " pages")
                    + " at "
                    + iova
                    + " by "
                    + device
                    + (calls > 1 ? " (" + calls + " calls)" : "");
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioDevice d = run.device(device);
            // An open mdev pins through its scripted vendor, which then holds the pages; anything
            // else (a closed mdev, a PCI device) calls the core directly, which judges the call.
            Optional<ScriptedDevice> vendor = run.vendor(device).filter(ScriptedDevice::isOpen);
            long base = run.resolve(iova);
            if (pages <= 0) {
                // Straight to the core, as a vendor driver passing this count would: it holds
                // nothing afterwards whatever the answer.
                if (pin) {
                    d.pinPages(base, (int) pages, prot, new long[0]);
                } else {
                    d.unpinPages(base, (int) pages);
                }
                return pin ? Map.of("calls", 1L) : Map.of();
            }
            long calls = 0;
            for (long done = 0; done < pages; done += chunk) {
                int n = (int) Math.min(chunk, pages - done);
                long at = base + done * run.pageSize();
                calls++;
                if (pin && vendor.isPresent()) {
                    vendor.get().pin(at, n, prot);
                } else if (pin) {
                    d.pinPages(at, n, prot, new long[n]);
                } else if (vendor.isPresent()) {
                    vendor.get().unpin(at, n);
                } else {
                    d.unpinPages(at, n);
                }
            }
            return pin ? Map.of("calls", calls) : Map.of();
        }
    }

    record Dma(String device, Addr iova, byte[] data, int length, String container)
            implements Action, Read {
        @Override
        public String describe() {
            return data != null
                    ? "DMA write " + show(data) + " to iova " + iova + " by " + device
                    : "DMA read " + length + " bytes at iova " + iova + " by " + device;
        }

        @Override
        public boolean needsLength() {
            return data == null && length == 0;
        }

        @Override
        public Action withLength(int newLength) {
            return new Dma(device, iova, data, newLength, container);
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            long at = run.resolve(iova);
            byte[] buf = data != null ? data.clone() : new byte[length];
            Optional<Integer> group = run.iommuGroupOf(device);
            if (group.isPresent()) {
                DeviceDma.access(run.host(), group.get(), at, buf, data != null);
            } else {
                run.device(device).dmaRw(at, buf, 0, buf.length, data != null);
            }
            return data != null ? Map.of() : readResults(buf);
        }
    }

    record Cpu(String process, Addr vaddr, byte[] data, int length) implements Action, Read {
        @Override
        public String describe() {
            return data != null
                    ? process + " writes " + show(data) + " at " + vaddr
                    : process + " reads " + length + " bytes at " + vaddr;
        }

        @Override
        public boolean needsLength() {
            return data == null && length == 0;
        }

        @Override
        public Action withLength(int newLength) {
            return new Cpu(process, vaddr, data, newLength);
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            long at = run.resolve(vaddr);
            if (data != null) {
                ProcessSteps.alive(run, process).write(at, data);
                return Map.of();
            }
            return readResults(ProcessSteps.alive(run, process).read(at, length));
        }
    }
}
