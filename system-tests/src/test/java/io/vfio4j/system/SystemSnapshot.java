package io.vfio4j.system;

import io.vfio4j.api.BackendState;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.host.SimAddressSpace;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The whole observable state of one simulated system, as a value: every container (backend, type,
 * groups, {@link BackendState} with its mappings, pins, {@code dma_avail}, windows and registered
 * listeners), every group, every address space's {@code locked_vm} and {@code pinned_vm}, every
 * user's {@code locked_vm} (the counters iommufd charges), every pinned frame run with its pin
 * count, the vendor leaks reported so far, the state of every open {@code /dev/iommu} context (its
 * mappings, IOASes, HWPTs, devices and pinned pages) and, when an {@link MdevBus} is given, every
 * mdev type's {@code available_instances} and the live mdevs.
 *
 * <p>"A refused request leaves no trace" is tested as {@code
 * assertThat(SystemSnapshot.of(...)).isEqualTo(before)}; {@link #diff} explains a difference. Dirty
 * state is part of it: the frames the host has marked dirty ({@code dirtyFrames}) and each
 * container's dirty bitmaps while tracking (type1's {@code dirtyBits} detail, in the container's
 * state). Where the kernel itself leaves dirty marks behind a refused call (a pin unwound midway,
 * docs/deviations.md T1-9), the test says so with {@link #withDirtyOf}. Fault-injector hit counters
 * are left out on purpose: counting hits is how fault injection works.
 */
public record SystemSnapshot(
        List<ContainerView> containers,
        List<GroupView> groups,
        List<SpaceView> spaces,
        List<UserView> users,
        long totalPins,
        List<PinSegment> pinnedFrames,
        long dirtyFrames,
        int vendorLeaks,
        Map<String, String> mdev,
        List<BackendState> iommuContexts) {

    public SystemSnapshot {
        containers = List.copyOf(containers);
        groups = List.copyOf(groups);
        spaces = List.copyOf(spaces);
        users = List.copyOf(users);
        pinnedFrames = List.copyOf(pinnedFrames);
        mdev = Map.copyOf(mdev);
        iommuContexts = List.copyOf(iommuContexts);
    }

    /** One container: its backend, its groups and what the backend holds. */
    public record ContainerView(
            int id,
            Optional<String> backend,
            Optional<String> type,
            List<Integer> groups,
            Optional<BackendState> state) {}

    /** One VFIO group: its container, viability and open devices. */
    public record GroupView(
            int id, String kind, Optional<Integer> container, boolean viable, List<String> open) {}

    /** One address space: its counters and whether it still has users. */
    public record SpaceView(
            long id, int pid, boolean alive, long lockedVm, long pinnedVm, long underflows) {}

    /** One user of the host: its {@code locked_vm} (iommufd's per-user accounting). */
    public record UserView(int uid, long lockedVm, long underflows) {}

    /** A maximal run of frames with the same pin count. */
    public record PinSegment(long pfn, long pages, long pins) {}

    /** The detail in which SPAPR reports the address space its container cached. */
    static final String CACHED_MM = "cachedMm";

    /**
     * The backend state without the address space a container cached: SPAPR sets it before its
     * argument checks, so a refused call leaves it behind as the kernel does
     * (docs/reference/spapr-tce.md §7 Q9); the snapshot is what a refused call must leave
     * unchanged.
     */
    static BackendState withoutCachedMm(BackendState s) {
        if (!s.details().containsKey(CACHED_MM)) {
            return s;
        }
        Map<String, Long> details = new java.util.HashMap<>(s.details());
        details.remove(CACHED_MM);
        return new BackendState(
                s.mappings(),
                s.mappedBytes(),
                s.dmaAvail(),
                s.pinnedPages(),
                s.pinReferences(),
                details);
    }

    /** The state of {@code vfio} and its host. */
    public static SystemSnapshot of(Vfio vfio) {
        return of(vfio, null);
    }

    /** The state of {@code vfio}, its host and the mdev bus (may be null). */
    public static SystemSnapshot of(Vfio vfio, MdevBus bus) {
        Objects.requireNonNull(vfio, "vfio");
        List<ContainerView> containers = new ArrayList<>();
        for (VfioContainer c : vfio.containers()) {
            containers.add(
                    new ContainerView(
                            c.id(),
                            c.backendName(),
                            c.iommuType().map(Enum::name),
                            c.groups().stream().map(VfioGroup::id).toList(),
                            c.state().map(SystemSnapshot::withoutCachedMm)));
        }
        List<GroupView> groups = new ArrayList<>();
        for (VfioGroup g : vfio.groups()) {
            groups.add(
                    new GroupView(
                            g.id(),
                            g.kind().name(),
                            g.container().map(VfioContainer::id),
                            g.isViable(),
                            g.devices().stream()
                                    .filter(VfioDevice::isOpen)
                                    .map(VfioDevice::name)
                                    .toList()));
        }
        List<SpaceView> spaces = new ArrayList<>();
        for (SimAddressSpace s : vfio.host().addressSpaces()) {
            spaces.add(
                    new SpaceView(
                            s.id(),
                            s.ownerPid(),
                            s.isAlive(),
                            s.lockedVm(),
                            s.pinnedVm(),
                            s.underflows()));
        }
        List<UserView> users = new ArrayList<>();
        for (io.vfio4j.host.SimUser u : vfio.host().users()) {
            users.add(new UserView(u.uid(), u.lockedVm(), u.underflows()));
        }
        List<PinSegment> pinned = new ArrayList<>();
        vfio.host()
                .memory()
                .forEachPinned((pfn, pages, pins) -> pinned.add(new PinSegment(pfn, pages, pins)));
        return new SystemSnapshot(
                containers,
                groups,
                spaces,
                users,
                vfio.host().memory().totalPins(),
                pinned,
                vfio.host().memory().dirtyPages(),
                vfio.vendorLeaks().size(),
                bus == null ? Map.of() : mdevView(bus),
                vfio.iommuContexts().stream().map(c -> c.state()).toList());
    }

    /**
     * This snapshot with the dirty state of {@code other}: host dirty marks and every container's
     * {@code dirtyBits}. For a refused call after which the kernel keeps dirty marks (T1-9); the
     * caller checks those marks separately.
     */
    public SystemSnapshot withDirtyOf(SystemSnapshot other) {
        List<ContainerView> cs = new ArrayList<>();
        for (int i = 0; i < containers.size(); i++) {
            ContainerView c = containers.get(i);
            Optional<Long> bits =
                    i < other.containers.size()
                            ? other.containers.get(i).state().map(s -> s.details().get("dirtyBits"))
                            : Optional.empty();
            cs.add(
                    new ContainerView(
                            c.id(),
                            c.backend(),
                            c.type(),
                            c.groups(),
                            c.state().map(s -> withDirtyBits(s, bits.orElse(null)))));
        }
        return new SystemSnapshot(
                cs,
                groups,
                spaces,
                users,
                totalPins,
                pinnedFrames,
                other.dirtyFrames,
                vendorLeaks,
                mdev,
                iommuContexts);
    }

    /**
     * True if {@code after} differs from this snapshot only by dirty state that grew: more host
     * frames marked dirty, or more dirty-bitmap bits, and nothing cleared. What a refused call
     * leaves when it unwinds pins of writable memory, as the kernel does (T1-9).
     */
    public boolean onlyDirtyGrewTo(SystemSnapshot after) {
        if (!withDirtyOf(after).equals(after) || after.dirtyFrames < dirtyFrames) {
            return false;
        }
        for (int i = 0; i < containers.size(); i++) {
            if (dirtyBits(after.containers.get(i)) < dirtyBits(containers.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static long dirtyBits(ContainerView c) {
        return c.state().map(s -> s.details().getOrDefault("dirtyBits", 0L)).orElse(0L);
    }

    /**
     * Asserts that a refused call left no trace ({@code after} equals this snapshot), or, with
     * {@code unwindMayDirty}, no trace but the dirty marks the kernel also leaves when it unwinds.
     */
    public void assertNoTrace(SystemSnapshot after, boolean unwindMayDirty, String what) {
        if (unwindMayDirty && onlyDirtyGrewTo(after)) {
            return;
        }
        org.assertj.core.api.Assertions.assertThat(after)
                .as(what + " left a trace:\n" + diff(after))
                .isEqualTo(this);
    }

    private static BackendState withDirtyBits(BackendState s, Long bits) {
        if (bits == null || !s.details().containsKey("dirtyBits")) {
            return s;
        }
        Map<String, Long> details = new TreeMap<>(s.details());
        details.put("dirtyBits", bits);
        return new BackendState(
                s.mappings(),
                s.mappedBytes(),
                s.dmaAvail(),
                s.pinnedPages(),
                s.pinReferences(),
                details);
    }

    /** Every type's {@code available_instances} and every live mdev with its type. */
    public static Map<String, String> mdevView(MdevBus bus) {
        Map<String, String> out = new TreeMap<>();
        for (MdevParent p : bus.parents()) {
            for (MdevType t : p.types()) {
                out.put(
                        "type " + p.name() + "/" + t.name() + " available_instances",
                        Integer.toString(t.availableInstances()));
            }
        }
        for (MdevDevice d : bus.devices()) {
            out.put("mdev " + d.uuid(), d.type().name() + (d.isOpen() ? " open" : ""));
        }
        return out;
    }

    /** A readable list of what differs between this snapshot and {@code other}. */
    public String diff(SystemSnapshot other) {
        List<String> out = new ArrayList<>();
        diffList("container", containers, other.containers, out);
        diffList("group", groups, other.groups, out);
        diffList("address space", spaces, other.spaces, out);
        diffList("user", users, other.users, out);
        if (totalPins != other.totalPins) {
            out.add("total pins " + totalPins + " -> " + other.totalPins);
        }
        if (!pinnedFrames.equals(other.pinnedFrames)) {
            out.add("pinned frames " + pinnedFrames + " -> " + other.pinnedFrames);
        }
        if (dirtyFrames != other.dirtyFrames) {
            out.add("dirty frames " + dirtyFrames + " -> " + other.dirtyFrames);
        }
        if (vendorLeaks != other.vendorLeaks) {
            out.add("vendor leaks " + vendorLeaks + " -> " + other.vendorLeaks);
        }
        diffList("iommufd context", iommuContexts, other.iommuContexts, out);
        if (!mdev.equals(other.mdev)) {
            out.add("mdev " + new TreeMap<>(mdev) + " -> " + new TreeMap<>(other.mdev));
        }
        return out.isEmpty() ? "no difference" : String.join("\n", out);
    }

    private static <T> void diffList(String what, List<T> a, List<T> b, List<String> out) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            T x = i < a.size() ? a.get(i) : null;
            T y = i < b.size() ? b.get(i) : null;
            if (!Objects.equals(x, y)) {
                out.add(what + ": " + x + " -> " + y);
            }
        }
    }
}
