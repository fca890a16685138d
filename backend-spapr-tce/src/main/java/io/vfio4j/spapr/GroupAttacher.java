package io.vfio4j.spapr;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.host.IommuGroup;
import io.vfio4j.api.host.TceTableGroup;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group attach and detach (the kernel's {@code tce_iommu_attach_group} and {@code
 * tce_iommu_detach_group}): a hardware group gets every existing window programmed, an emulated
 * (mdev) group joins a v2 container with external pinning; detach clears every window once no page
 * in them is pinned, notifying the vendors with the container lock released.
 */
final class GroupAttacher {
    private static final Logger LOG = LoggerFactory.getLogger(GroupAttacher.class);

    private final SpaprState st;
    private final TceWriter writer;
    private final ExternalPinning pinning;

    GroupAttacher(SpaprState st, TceWriter writer, ExternalPinning pinning) {
        this.st = st;
        this.writer = writer;
        this.pinning = pinning;
    }

    void attachGroup(VfioGroupHandle group) {
        synchronized (st.lock) {
            st.checkNotReleased();
            if (group.kind() == GroupKind.EMULATED) {
                attachEmulated(group);
                return;
            }
            if (group.kind() != GroupKind.IOMMU) {
                throw new VfioException(
                        Errno.EINVAL, group.describe() + " has no IOMMU: SPAPR TCE cannot use it");
            }
            TceTableGroup tg =
                    group.iommuGroup()
                            .flatMap(IommuGroup::tceTableGroup)
                            .orElseThrow(
                                    () ->
                                            new VfioException(
                                                    Errno.ENODEV,
                                                    group.describe()
                                                            + " has no TCE table group (not a POWER endpoint)"));
            if (st.v2 && tg.maxDynamicWindows() == 0) {
                throw new VfioException(
                        Errno.EINVAL,
                        group.describe()
                                + " has no dynamic DMA windows: a v2 container needs them");
            }
            if (!st.v2 && !st.groups.isEmpty()) {
                throw new VfioException(
                        Errno.EBUSY,
                        "a v1 container holds one group and already has "
                                + st.groups.get(0).handle().describe());
            }
            for (GroupMember m : st.groups) {
                if (m.handle().id() == group.id()) {
                    throw new VfioException(
                            Errno.EBUSY, group.describe() + " is already in the container");
                }
                if (!m.emulated() && !m.tableGroup().platformType().equals(tg.platformType())) {
                    throw new VfioException(
                            Errno.EPERM,
                            group.describe()
                                    + " is of platform type "
                                    + tg.platformType()
                                    + ", the container's groups are "
                                    + m.tableGroup().platformType());
                }
            }
            programExistingWindows(group, tg);
            addMember(new GroupMember(group, tg));
        }
    }

    private void attachEmulated(VfioGroupHandle group) {
        if (!st.externalPinning || !st.v2) {
            throw new VfioException(
                    Errno.EINVAL,
                    group.describe()
                            + ": emulated groups cannot join a SPAPR TCE container"
                            + (st.v2
                                    ? " (external pinning is off)"
                                    : " (v1 has no translation to pin through)"));
        }
        for (GroupMember m : st.groups) {
            if (m.handle().id() == group.id()) {
                throw new VfioException(
                        Errno.EBUSY, group.describe() + " is already in the container");
            }
        }
        addMember(new GroupMember(group, new EmulatedTableGroup(st.pageShift)));
    }

    private void addMember(GroupMember member) {
        // The first group to arrive with slot 0 empty makes the default window pending.
        if (st.groups.isEmpty() && st.windows[0] == null) {
            st.defWindowPending = true;
        }
        st.groups.add(0, member);
        LOG.debug(
                "{} attached to spapr-tce {} container",
                member.handle().describe(),
                st.v2 ? "v2" : "v1");
    }

    private void programExistingWindows(VfioGroupHandle group, TceTableGroup tg) {
        for (DmaWindow w : st.windows) {
            if (w == null) {
                continue;
            }
            try {
                tg.setWindow(w.slot(), w.spec(), w.table()::get);
            } catch (VfioException e) {
                for (int slot = 0; slot < SpaprState.MAX_WINDOWS; slot++) {
                    tg.unsetWindow(slot);
                }
                throw new VfioException(
                        e.errno(),
                        group.describe()
                                + ": programming window "
                                + w.slot()
                                + " failed: "
                                + e.getMessage(),
                        e);
            }
        }
    }

    void detachGroup(VfioGroupHandle group) {
        int notifications = 0;
        while (true) {
            List<long[]> ranges;
            synchronized (st.lock) {
                GroupMember member = member(group);
                if (member == null) {
                    LOG.warn(
                            "{} is not in this spapr-tce container; detach ignored",
                            group.describe());
                    return;
                }
                if (member.emulated()) {
                    st.groups.remove(member);
                    pinning.dropPinsOf(d -> d.group().id() == group.id());
                    return;
                }
                // Detach clears every entry of every window (Q8): pinned pages must go first.
                ranges = pinning.pinnedWindowRanges();
                if (ranges.isEmpty()) {
                    for (DmaWindow w : st.windows) {
                        if (w != null) {
                            writer.clear(w, 0, w.table().size());
                            member.tableGroup().unsetWindow(w.slot());
                        }
                    }
                    st.groups.remove(member);
                    return;
                }
                if (notifications == SpaprState.MAX_UNMAP_NOTIFICATIONS) {
                    throw st.stuckPins(ranges.get(0)[0], ranges.get(0)[1]);
                }
            }
            for (long[] r : ranges) {
                st.notifyUnmap(r[0], r[1]);
            }
            notifications++;
        }
    }

    private GroupMember member(VfioGroupHandle group) {
        for (GroupMember m : st.groups) {
            if (m.handle().id() == group.id() && m.handle().kind() == group.kind()) {
                return m;
            }
        }
        return null;
    }
}
