package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The passthrough half of {@link OracleTranslation}: the scenario's first hardware group is the
 * guest's e1000e, and while it is in the container (an IOMMU domain) type1 pins all it maps. So
 * this follows which mappings are of regions the guest only reserves, which maps were not made (a
 * pin there is not checked either), and refuses a domain that would pin reserved memory.
 */
final class OraclePassthrough {
    private final OracleTranslation t;
    private final Scenario scenario;
    private final OracleMdevs mdevs;
    private Integer group;

    /** The passthrough group is in the container, as far as the steps so far succeeded. */
    private boolean attached;

    /** Why the passthrough group's steps are not followed any more (empty: they are). */
    private Optional<String> blocked = Optional.empty();

    /** Mappings of reserved-only regions (iova, size), which a domain would have to pin. */
    private final List<long[]> reservedMaps = new ArrayList<>();

    /** IOVA ranges of maps not checked (iova, size), with the reason. */
    private final Map<long[], String> skippedMaps = new LinkedHashMap<>();

    OraclePassthrough(OracleTranslation t, Scenario scenario, OracleMdevs mdevs) {
        this.t = t;
        this.scenario = scenario;
        this.mdevs = mdevs;
    }

    /** A map at {@code iova} that is not checked: pins in it are not either. */
    void skipped(long iova, long size, String label) {
        skippedMaps.put(new long[] {iova, size}, mapNotChecked(label));
    }

    /**
     * A map of a region the guest only reserves: fine without a domain; with one, why not (the end
     * of a sentence).
     */
    Optional<String> mapReserved(long iova, long size, String label) {
        if (attached) {
            skipped(iova, size, label);
            return Optional.of(
                    ", and with the passthrough group in the container the kernel pins all it"
                            + " maps");
        }
        reservedMaps.add(new long[] {iova, size});
        return Optional.empty();
    }

    /** An UNMAP that was issued: the mappings it removes. */
    void unmapped(long iova, long size, boolean all) {
        if (all) {
            reservedMaps.clear();
            skippedMaps.clear();
        } else {
            reservedMaps.removeIf(r -> r[0] - iova >= 0 && r[0] - iova < size);
            skippedMaps.keySet().removeIf(r -> r[0] - iova >= 0 && r[0] - iova < size);
        }
    }

    private static String mapNotChecked(String label) {
        return "its IOVA is in a mapping not checked (" + label + ")";
    }

    /** Why a pin at {@code iova} is not checked: it lies in a mapping that was not made. */
    Optional<String> skippedIova(long iova) {
        return skippedMaps.entrySet().stream()
                .filter(e -> iova - e.getKey()[0] >= 0 && iova - e.getKey()[0] < e.getKey()[1])
                .map(Map.Entry::getValue)
                .reduce((a, b) -> b);
    }

    /** A passthrough device's descriptor: the device of the guest's passthrough group. */
    String device(String device, String id, String label, String op) {
        Optional<Model.GroupDef> g =
                scenario.host().groups().stream()
                        .filter(x -> x.devices().contains(device))
                        .findFirst();
        if (g.isEmpty() || group == null || g.get().id() != group) {
            return "device " + device + " is not in the guest's passthrough group";
        }
        if (blocked.isPresent()) {
            return blocked.get();
        }
        return t.add(id, label, op);
    }

    /** Hot plug of a passthrough device: its group joins (if outside), the device opens. */
    String plug(Step step, MdevSteps.Plug p, String id, String label) {
        Optional<Model.GroupDef> g =
                scenario.host().groups().stream()
                        .filter(x -> x.devices().contains(p.device()))
                        .findFirst();
        if (g.isEmpty()) {
            return "device " + p.device() + " has no IOMMU group";
        }
        boolean join = !attached;
        if (join) {
            String why =
                    group(
                            new ParseContext.GroupRef(g.get().id(), null),
                            id + "a",
                            label + " (its group joins)",
                            "attach");
            if (why != null) {
                return why;
            }
        }
        String why = device(p.device(), id + "o", label + " (the device opens)", "pt_open");
        if (why == null && join && step.expect().errno().isPresent()) {
            // A refused plug leaves the group outside, as the scenario's model undoes it.
            group(
                    new ParseContext.GroupRef(g.get().id(), null),
                    id + "u",
                    label + " (refused: its group leaves again)",
                    "detach");
        }
        return why;
    }

    /** Hot unplug of a passthrough device: the device closes, its group leaves. */
    String unplug(MdevSteps.Unplug u, String id, String label) {
        String why = device(u.device(), id + "c", label + " (the device closes)", "pt_close");
        if (why != null) {
            return why;
        }
        Optional<Model.GroupDef> g =
                scenario.host().groups().stream()
                        .filter(x -> x.devices().contains(u.device()))
                        .findFirst();
        return group(
                new ParseContext.GroupRef(g.get().id(), null),
                id + "d",
                label + " (its group leaves)",
                "detach");
    }

    /** Attach and detach: the first hardware group the scenario attaches is the guest's. */
    String group(ParseContext.GroupRef ref, String id, String label, String op) {
        if (ref.mdev() != null) {
            return mdevs.attach(ref.mdev(), id, label, op.equals("attach"));
        }
        if (group == null) {
            group = ref.iommuGroup();
        }
        if (group != ref.iommuGroup()) {
            return "group "
                    + ref.iommuGroup()
                    + ": the guest has one passthrough group (the scenario's group "
                    + group
                    + ")";
        }
        if (blocked.isPresent()) {
            return blocked.get();
        }
        if (op.equals("attach") && !reservedMaps.isEmpty()) {
            blocked =
                    Optional.of(
                            "the passthrough group's attach ("
                                    + label
                                    + ") is not checked (its replay would pin what the guest only"
                                    + " reserves)");
            return "its replay would pin every mapping, and the guest only reserves regions larger"
                    + " than "
                    + Sizes.human(t.maxRegion());
        }
        t.add(id, label, op);
        attached = op.equals("attach");
        groupLeft();
        return null;
    }

    /** After a detach: when no group is left, the backend and its mappings went. */
    void groupLeft() {
        if (!attached && !mdevs.anyAttached()) {
            reservedMaps.clear();
            skippedMaps.clear();
            mdevs.backendGone();
        }
    }
}
