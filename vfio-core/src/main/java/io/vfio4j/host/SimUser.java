package io.vfio4j.host;

import io.vfio4j.api.host.HostUser;

/**
 * A simulated user: the {@code locked_vm} that all its processes share (iommufd's per-user
 * accounting). Created by the host on first use of its uid; lives as long as the host.
 */
public final class SimUser implements HostUser {
    private final int uid;
    private final LimitedCounter lockedVm;

    SimUser(SimHost host, int uid) {
        this.uid = uid;
        this.lockedVm = new LimitedCounter(host, "locked_vm of user " + uid);
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public long lockedVm() {
        return lockedVm.get();
    }

    @Override
    public void charge(long pages, long limitPages) {
        lockedVm.charge(pages, limitPages);
    }

    @Override
    public void uncharge(long pages) {
        lockedVm.uncharge(pages);
    }

    /** How many uncharges took the counter below zero (each a kernel WARN). */
    public long underflows() {
        return lockedVm.underflows();
    }

    @Override
    public String toString() {
        return "user " + uid + " (locked_vm " + lockedVm.get() + ")";
    }
}
