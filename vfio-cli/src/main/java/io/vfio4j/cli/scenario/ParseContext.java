package io.vfio4j.cli.scenario;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the parser knows while it reads the steps: the declared host, processes, regions and
 * containers, and the names earlier steps introduced (mdevs, DMA windows). Every reference a step
 * makes is checked here, so a scenario with a dangling name never starts.
 */
final class ParseContext {
    final Model.HostDef host;
    final Map<String, Model.ProcessDef> processes = new LinkedHashMap<>();
    final Map<String, Model.ContainerDef> containers = new LinkedHashMap<>();

    /** Region name to the process that maps it (at start or by a later mmap/exec step). */
    final Map<String, String> regions = new LinkedHashMap<>();

    /** Region name to its size. */
    final Map<String, Long> regionSizes = new LinkedHashMap<>();

    /** Region name to its start address. */
    final Map<String, Long> regionStarts = new LinkedHashMap<>();

    /** DMA windows saved with save_as. */
    final Set<String> windows = new LinkedHashSet<>();

    /** mdev names (alias or UUID) created by earlier steps. */
    final Set<String> mdevs = new LinkedHashSet<>();

    /** The simulated host built as the file declares it, to refuse what it would refuse. */
    final HostCheck hostCheck;

    /** Processes that exited, with the step that ended them. */
    final Map<String, Integer> exited = new LinkedHashMap<>();

    /** The {@code /dev/iommu} contexts opened by earlier steps and their objects' names. */
    final NativeNames natives = new NativeNames();

    /** The step being read (1-based). */
    int step;

    ParseContext(Model.HostDef host, HostCheck hostCheck) {
        this.host = host;
        this.hostCheck = hostCheck;
    }

    /**
     * The step's process, which must still be alive: after an {@code exit} step the process has no
     * address space to exec from, map, unmap, read or write (the model has no zombie to ask).
     */
    String liveProcess(Fields f) {
        String p = process(f);
        Integer when = exited.get(p);
        if (when != null) {
            throw f.node()
                    .error(
                            "%s: process '%s' exited at step %d; it can do nothing after that",
                            f.node().what(), p, when);
        }
        return p;
    }

    long pageSize() {
        return host.pageSize();
    }

    /** The step's process: the one named, or the only one declared. */
    String process(Fields f) {
        Optional<YNode> n = f.opt("process");
        if (n.isPresent()) {
            return requireProcess(n.get());
        }
        if (processes.size() == 1) {
            return processes.keySet().iterator().next();
        }
        if (processes.isEmpty()) {
            throw f.node()
                    .error("%s needs a process, and the scenario declares none", f.node().what());
        }
        throw f.node()
                .error(
                        "%s: several processes are declared (%s); say which with 'process:'",
                        f.node().what(), String.join(", ", processes.keySet()));
    }

    String requireProcess(YNode n) {
        String name = n.text();
        if (!processes.containsKey(name)) {
            throw n.error(
                    "%s: no process named '%s'; declared: %s",
                    n.what(), name, String.join(", ", processes.keySet()));
        }
        return name;
    }

    /** The step's container: the one named, or the only one declared. */
    String container(Fields f) {
        Optional<YNode> n = f.opt("container");
        if (n.isPresent()) {
            return requireContainer(n.get());
        }
        if (containers.size() == 1) {
            return containers.keySet().iterator().next();
        }
        if (containers.isEmpty()) {
            throw f.node()
                    .error("%s needs a container, and the scenario declares none", f.node().what());
        }
        throw f.node()
                .error(
                        "%s: several containers are declared (%s); say which with 'container:'",
                        f.node().what(), String.join(", ", containers.keySet()));
    }

    /** The only container, or null if there are several (for steps that have none of their own). */
    String defaultContainer() {
        if (containers.isEmpty()) {
            // A scenario of /dev/iommu only: its one context is what container counters read.
            return natives.onlyContext().orElse(null);
        }
        return containers.size() == 1 ? containers.keySet().iterator().next() : null;
    }

    String defaultProcess() {
        return processes.size() == 1 ? processes.keySet().iterator().next() : null;
    }

    String requireContainer(YNode n) {
        String name = n.text();
        if (!containers.containsKey(name)) {
            throw n.error(
                    "%s: no container named '%s'; declared: %s",
                    n.what(), name, String.join(", ", containers.keySet()));
        }
        return name;
    }

    /**
     * What a per-container expectation ({@code mappings: {vm: 2}}) names: a container, or a {@code
     * /dev/iommu} context opened by an earlier step, whose IOASes it then counts.
     */
    String requireCounted(YNode n) {
        String name = n.text();
        if (natives.isContext(name) && !containers.containsKey(name)) {
            return name;
        }
        return requireContainer(n);
    }

    /** An address: a number, or a region or window name with an optional {@code +offset}. */
    Addr addr(YNode n) {
        String t = n.text().trim();
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
            if (t.indexOf('-') < 0) {
                return Addr.absolute(n.size(pageSize()));
            }
            return Addr.absolute(inRange(n, t, sum(n, t, BigInteger.ZERO, -1)).longValue());
        }
        String base = baseName(t);
        BigInteger at = null;
        Long start = base == null ? null : regionStarts.get(base);
        // A window's start is known only when its create step runs: the parser does the
        // arithmetic from 0 and refuses an address before the window's start.
        BigInteger from = BigInteger.valueOf(start == null ? 0 : start).and(U64);
        try {
            at = base == null ? null : sum(n, t, from, base.length());
        } catch (ScenarioSyntaxException e) {
            if (t.indexOf('-', base.length()) < 0 || isName(t.split("\\+", 2)[0].trim())) {
                throw e;
            }
            base = null; // "ram-b" with no region ram-b: an unknown name, not a bad offset
        }
        if (base == null) {
            base = t.split("\\+", 2)[0].trim();
            List<String> known = new ArrayList<>(regions.keySet());
            known.addAll(windows);
            throw n.error(
                    "%s: '%s' is neither an address nor a known region or window; known names: %s",
                    n.what(), base, known.isEmpty() ? "(none)" : String.join(", ", known));
        }
        if (start == null && at.signum() < 0) {
            throw n.error("%s: '%s' is before the start of window %s", n.what(), t, base);
        }
        return new Addr(base, inRange(n, t, at).subtract(from).longValue());
    }

    private boolean isName(String s) {
        return regions.containsKey(s) || windows.contains(s);
    }

    private static BigInteger inRange(YNode n, String t, BigInteger value) {
        if (value.signum() < 0) {
            throw n.error("%s: '%s' is below address 0", n.what(), t);
        }
        if (value.compareTo(U64) > 0) {
            throw n.error("%s: '%s' is past the top of the 64-bit address space", n.what(), t);
        }
        return value;
    }

    private static final BigInteger U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** The longest region or window name that starts {@code t} and ends at its end, '+' or '-'. */
    private String baseName(String t) {
        String best = null;
        List<String> names = new ArrayList<>(regions.keySet());
        names.addAll(windows);
        for (String name : names) {
            if (t.startsWith(name)
                    && (t.length() == name.length() || "+- ".indexOf(t.charAt(name.length())) >= 0)
                    && (best == null || name.length() > best.length())) {
                best = name;
            }
        }
        return best;
    }

    /** Where the term starting at {@code from} ends: the next '+' or '-', or the end. */
    private static int termEnd(String t, int from) {
        int i = from;
        while (i < t.length() && t.charAt(i) != '+' && t.charAt(i) != '-') {
            i++;
        }
        return i;
    }

    /**
     * {@code value} plus or minus each term of {@code t} after {@code from} ({@code +2GiB-1MiB},
     * {@code -3000 pages}); {@code from} -1: {@code t} starts with a term to add.
     */
    private BigInteger sum(YNode n, String t, BigInteger value, int from) {
        int i = from;
        while (i < t.length()) {
            char op = i < 0 ? '+' : t.charAt(i);
            if (op == ' ') {
                i++;
                continue;
            }
            int end = termEnd(t, i + 1);
            String term = t.substring(i + 1, end);
            long v;
            try {
                if (op != '+' && op != '-') {
                    throw new IllegalArgumentException(
                            "'" + t + "': expected + or - before '" + t.substring(i) + "'");
                }
                v = Sizes.parse(term, pageSize());
            } catch (IllegalArgumentException e) {
                throw n.error("%s: offset of '%s': %s", n.what(), t, e.getMessage());
            } catch (ArithmeticException e) {
                throw n.error("%s: offset of '%s' does not fit in 64 bits", n.what(), t);
            }
            // A hex term of 2^63 or more is an unsigned address.
            BigInteger b = BigInteger.valueOf(v).and(U64);
            value = op == '+' ? value.add(b) : value.subtract(b);
            i = end;
        }
        return value;
    }

    /** Every PCI device of the host's IOMMU groups. */
    Optional<Model.GroupDef> groupOfDevice(String device) {
        return host.groups().stream().filter(g -> g.devices().contains(device)).findFirst();
    }

    /** A device: a PCI device of an IOMMU group, or an mdev created by an earlier step. */
    String device(YNode n) {
        String name = n.text();
        if (groupOfDevice(name).isPresent() || mdevs.contains(ScenarioMdevs.canonicalName(name))) {
            return name;
        }
        List<String> known = new ArrayList<>();
        host.groups().forEach(g -> known.addAll(g.devices()));
        known.addAll(mdevs);
        throw n.error(
                "%s: no device '%s' (mdevs must be created by an earlier mdev_create step); known devices: %s",
                n.what(), name, known.isEmpty() ? "(none)" : String.join(", ", known));
    }

    /** A group: an IOMMU group number, or a device (PCI or mdev) whose group is meant. */
    GroupRef group(YNode n) {
        String t = n.text();
        if (t.matches("[0-9]+")) {
            int id = n.intValue(0, Integer.MAX_VALUE);
            if (host.groups().stream().noneMatch(g -> g.id() == id)) {
                throw n.error(
                        "%s: the host has no IOMMU group %d; declared groups: %s",
                        n.what(),
                        id,
                        host.groups().stream().map(g -> String.valueOf(g.id())).toList());
            }
            return new GroupRef(id, null);
        }
        String device = device(n);
        Optional<Model.GroupDef> g = groupOfDevice(device);
        return g.isPresent() ? new GroupRef(g.get().id(), null) : new GroupRef(-1, device);
    }

    /** A reference to a VFIO group: a hardware group id, or the emulated group of an mdev. */
    record GroupRef(int iommuGroup, String mdev) {
        @Override
        public String toString() {
            return mdev != null ? "mdev " + mdev : "group " + iommuGroup;
        }
    }
}
