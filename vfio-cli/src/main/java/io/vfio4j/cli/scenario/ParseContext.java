package io.vfio4j.cli.scenario;

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

    /** DMA windows saved with save_as. */
    final Set<String> windows = new LinkedHashSet<>();

    /** mdev names (alias or UUID) created by earlier steps. */
    final Set<String> mdevs = new LinkedHashSet<>();

    /** The simulated host built as the file declares it, to refuse what it would refuse. */
    final HostCheck hostCheck;

    /** Processes that exited, with the step that ended them. */
    final Map<String, Integer> exited = new LinkedHashMap<>();

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

    /** An address: a number, or a region or window name with an optional {@code +offset}. */
    Addr addr(YNode n) {
        String t = n.text().trim();
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
            return Addr.absolute(n.size(pageSize()));
        }
        int plus = t.indexOf('+');
        String base = (plus < 0 ? t : t.substring(0, plus)).trim();
        long offset = 0;
        if (plus >= 0) {
            try {
                offset = Sizes.parse(t.substring(plus + 1), pageSize());
            } catch (IllegalArgumentException e) {
                throw n.error("%s: offset of '%s': %s", n.what(), t, e.getMessage());
            } catch (ArithmeticException e) {
                throw n.error("%s: offset of '%s' does not fit in 64 bits", n.what(), t);
            }
        }
        if (!regions.containsKey(base) && !windows.contains(base)) {
            List<String> known = new ArrayList<>(regions.keySet());
            known.addAll(windows);
            throw n.error(
                    "%s: '%s' is neither an address nor a known region or window; known names: %s",
                    n.what(), base, known.isEmpty() ? "(none)" : String.join(", ", known));
        }
        return new Addr(base, offset);
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
