package io.vfio4j.cli.scenario;

import io.vfio4j.mdev.VendorBehaviour;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mdev half of {@link OracleTranslation}: a scenario's mediated devices become the oracle
 * guest's two test mdevs ({@code vtmdev}, made at boot), each in the driver mode of its type's
 * vendor behaviour; create, attach, open, pin, unpin, close, detach, hot plug and remove become the
 * probe's mdev operations. The translation follows what each step does when it succeeds, so a step
 * it cannot follow (a device that is not open, a third live mdev) is listed with its reason.
 */
final class OracleMdevs {
    /** vtmdev's modes (vendor/vtmdev.h): the behaviours the test driver has. */
    private static final List<VendorBehaviour> MODES =
            List.of(
                    VendorBehaviour.WELL_BEHAVED,
                    VendorBehaviour.LEAKS_ON_CLOSE,
                    VendorBehaviour.IGNORES_UNMAP,
                    VendorBehaviour.UNPINS_ONE_PAGE);

    private static final int SLOTS = io.vfio4j.oracle.ProbeOp.MDEVS;

    private final OracleTranslation t;
    private final Scenario scenario;
    private final Map<String, Integer> slotOf = new HashMap<>();
    private final Map<String, String> notRun = new HashMap<>();
    private final String[] holder = new String[SLOTS];
    private final boolean[] attached = new boolean[SLOTS];
    private final boolean[] open = new boolean[SLOTS];
    private final int[] mode = new int[SLOTS];

    /** Per test mdev, the ranges (iova, bytes) its pin steps took since its open. */
    private final List<List<long[]>> pinned = List.of(new ArrayList<>(), new ArrayList<>());

    /** Ranges whose pins a leaking driver left behind at its close, and which step left them. */
    private final Map<long[], String> leaked = new LinkedHashMap<>();

    OracleMdevs(OracleTranslation t, Scenario scenario) {
        this.t = t;
        this.scenario = scenario;
    }

    /** Whether {@code device} names one of the scenario's mdevs. */
    boolean isMdev(String device) {
        String n = ScenarioMdevs.canonicalName(device);
        return slotOf.containsKey(n) || notRun.containsKey(n);
    }

    /** Whether any test mdev's group is in the container. */
    boolean anyAttached() {
        for (boolean a : attached) {
            if (a) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why an UNMAP of {@code [iova, iova + size)} (every mapping: {@code all}) cannot run in the
     * guest: pins in it that no driver will drop (a leak, or an open driver that ignores unmaps)
     * make type1 notify in vain and BUG after the 11th notification, and the probe never comes
     * back. Otherwise the open drivers that unpin on notification let go of their pins there.
     */
    Optional<String> unmap(long iova, long size, boolean all) {
        for (Map.Entry<long[], String> e : leaked.entrySet()) {
            if (all || overlaps(e.getKey(), iova, size)) {
                return Optional.of(
                        "the kernel BUGs here: the range holds pins a leaking driver left at its"
                                + " close ("
                                + e.getValue()
                                + "), which type1 keeps (the model released them at the detach:"
                                + " deviation T1-1)");
            }
        }
        for (int d = 0; d < SLOTS; d++) {
            if (open[d] && mode[d] == 2) {
                for (long[] r : pinned.get(d)) {
                    if (all || overlaps(r, iova, size)) {
                        return Optional.of(
                                "the kernel BUGs here: an open driver that ignores unmaps holds"
                                        + " pins in the range (type1 gives up after the 11th"
                                        + " notification)");
                    }
                }
            }
        }
        for (int d = 0; d < SLOTS; d++) {
            pinned.get(d).removeIf(r -> all || overlaps(r, iova, size));
        }
        return Optional.empty();
    }

    /** The last group left: the backend and its mappings went, leaked pins with them. */
    void backendGone() {
        leaked.clear();
    }

    private static boolean overlaps(long[] r, long iova, long size) {
        return r[0] - iova < size && iova - r[0] < r[1];
    }

    /** Translates an mdev step; returns why it is not checked, or null. */
    String step(Step step, String id, String label) {
        Action a = step.action();
        if (a instanceof MdevSteps.Create c) {
            return create(c, id, label);
        } else if (a instanceof MdevSteps.Remove r) {
            return remove(r.mdev());
        } else if (a instanceof DeviceSteps.OpenClose oc) {
            return oc.open() ? open(oc.device(), id, label) : close(oc.device(), id, label);
        } else if (a instanceof DeviceSteps.Pin p) {
            return pin(p, id, label);
        } else if (a instanceof MdevSteps.Plug p) {
            Optional<String> why = slot(p.device()).reason();
            if (why.isPresent()) {
                return why.get();
            }
            int d = slot(p.device()).slot();
            if (open[d]) {
                return "mdev " + p.device() + " is open already";
            }
            if (!attached[d]) {
                attach(p.device(), id + "a", label + " (its group joins)", true);
            }
            return open(p.device(), id + "o", label + " (the device opens)");
        } else if (a instanceof MdevSteps.Unplug u) {
            Optional<String> why = slot(u.device()).reason();
            if (why.isPresent()) {
                return why.get();
            }
            int d = slot(u.device()).slot();
            if (open[d]) {
                close(u.device(), id + "c", label + " (the device closes)");
            }
            if (attached[d]) {
                attach(u.device(), id + "d", label + " (its group leaves)", false);
            }
            return null;
        }
        return OracleTranslation.reason(step.op());
    }

    /** Attach or detach of an mdev's group; returns why it is not checked, or null. */
    String attach(String mdev, String id, String label, boolean join) {
        Slot s = slot(mdev);
        if (s.reason().isPresent()) {
            return s.reason().get();
        }
        t.add(id, label, join ? "mdev_attach" : "mdev_detach", s.slot());
        attached[s.slot()] = join;
        t.groupLeft();
        return null;
    }

    private String create(MdevSteps.Create c, String id, String label) {
        Optional<VendorBehaviour> vendor =
                scenario.host().mdevParents().stream()
                        .filter(p -> p.device().equals(c.parent()))
                        .flatMap(p -> p.types().stream())
                        .filter(ty -> ty.name().equals(c.type()))
                        .map(Model.MdevTypeDef::vendor)
                        .findFirst();
        String name = ScenarioMdevs.canonicalName(c.uuid());
        List<String> names = c.alias() == null ? List.of(name) : List.of(name, c.alias());
        int mode = vendor.map(MODES::indexOf).orElse(-1);
        if (mode < 0) {
            String why =
                    "vendor "
                            + vendor.map(v -> v.name().toLowerCase().replace('_', '-')).orElse("?")
                            + ": the test driver's modes are well-behaved, leaks-on-close,"
                            + " ignores-unmap and unpins-one-page";
            names.forEach(n -> notRun.put(n, "mdev " + n + " is not run (" + why + ")"));
            return why;
        }
        int free = -1;
        for (int d = SLOTS - 1; d >= 0; d--) {
            free = holder[d] == null ? d : free;
        }
        if (free < 0) {
            String why = "the guest has two test mdevs, both in use";
            names.forEach(n -> notRun.put(n, "mdev " + n + " is not run (" + why + ")"));
            return why;
        }
        holder[free] = name;
        this.mode[free] = mode;
        for (String n : names) {
            slotOf.put(n, free);
        }
        t.add(
                id,
                label
                        + ": setup, the guest's test mdev "
                        + free
                        + " in mode "
                        + MODES.get(mode).name().toLowerCase().replace('_', '-'),
                "mdev_use",
                free,
                mode);
        // The guest made its mdevs at boot: the create itself is not compared.
        return null;
    }

    private String remove(String mdev) {
        Slot s = slot(mdev);
        if (s.reason().isPresent()) {
            return s.reason().get();
        }
        int d = s.slot();
        if (open[d] || attached[d]) {
            return "removing an mdev in use blocks in the kernel until it is closed";
        }
        holder[d] = null;
        slotOf.values().removeIf(v -> v == d);
        return "the guest's test mdevs live for the whole boot: the step frees test mdev "
                + d
                + " for a later create, and its answer (available instances) is not compared";
    }

    private String open(String device, String id, String label) {
        Slot s = slot(device);
        if (s.reason().isPresent()) {
            return s.reason().get();
        }
        if (open[s.slot()]) {
            return "mdev " + device + " is open already (the probe keeps one descriptor a device)";
        }
        t.add(id, label, "mdev_open", s.slot());
        open[s.slot()] = true;
        return null;
    }

    private String close(String device, String id, String label) {
        Slot s = slot(device);
        if (s.reason().isPresent()) {
            return s.reason().get();
        }
        if (!open[s.slot()]) {
            return "mdev " + device + " is not open: the probe has no descriptor to close";
        }
        t.add(id, label, "mdev_close", s.slot());
        open[s.slot()] = false;
        if (mode[s.slot()] == 1) {
            pinned.get(s.slot()).forEach(r -> leaked.put(r, label));
        }
        pinned.get(s.slot()).clear();
        return null;
    }

    private String pin(DeviceSteps.Pin p, String id, String label) {
        if (!isMdev(p.device())) {
            return "a passthrough device pins nothing through the test vendor driver";
        }
        Slot s = slot(p.device());
        if (s.reason().isPresent()) {
            return s.reason().get();
        }
        if (!open[s.slot()]) {
            return "mdev "
                    + p.device()
                    + " is not open: the probe has no descriptor to pin through (the model's"
                    + " core answers EINVAL)";
        }
        if (p.pages() < 0) {
            return "a negative page count: the test driver's request takes an unsigned count";
        }
        Optional<Long> iova = t.address(p.iova());
        if (iova.isEmpty()) {
            return "its IOVA names no region the guest has";
        }
        Optional<String> skipped = t.skippedIova(iova.get());
        if (skipped.isPresent()) {
            return skipped.get();
        }
        long from = iova.get();
        long bytes = Math.max(p.pages(), 1) * 4096;
        if (p.pin()) {
            t.add(id, label, "pin", s.slot(), from, p.pages(), p.prot(), p.chunk());
            pinned.get(s.slot()).add(new long[] {from, bytes});
        } else {
            t.add(id, label, "unpin", s.slot(), from, p.pages(), p.chunk());
            pinned.get(s.slot()).removeIf(r -> r[0] - from >= 0 && r[0] + r[1] - from <= bytes);
        }
        return null;
    }

    private Slot slot(String device) {
        String n = ScenarioMdevs.canonicalName(device);
        if (notRun.containsKey(n)) {
            return new Slot(-1, Optional.of(notRun.get(n)));
        }
        Integer d = slotOf.get(n);
        return d == null
                ? new Slot(-1, Optional.of("mdev " + device + " was not created in the guest"))
                : new Slot(d, Optional.empty());
    }

    private record Slot(int slot, Optional<String> reason) {}
}
