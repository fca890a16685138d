package io.vfio4j.host;

import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.Task;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated process (thread group): a pid, its current address space, its {@code RLIMIT_MEMLOCK}
 * and capabilities. Tests drive it like a VMM would: mmap guest RAM, exit, exec. Thread-safe.
 */
public final class SimProcess implements Task {
    private static final Logger LOG = LoggerFactory.getLogger(SimProcess.class);

    private final SimHost host;
    private final int pid;
    private final String name;
    private final SimUser user;

    private volatile long memlockLimitBytes;
    private volatile boolean capIpcLock;
    private volatile boolean capSysRawio;

    /** Null once the process exited. */
    /** Volatile: backends read the current space on every call without the process lock. */
    private volatile SimAddressSpace space;

    SimProcess(SimHost host, int pid, ProcessSpec spec, SimAddressSpace space) {
        this.host = host;
        this.pid = pid;
        this.name = spec.name().orElse("pid" + pid);
        this.memlockLimitBytes = spec.memlockLimitBytes();
        this.capIpcLock = spec.capIpcLock();
        this.capSysRawio = spec.capSysRawio();
        this.space = space;
        this.user = host.user(spec.uid());
    }

    @Override
    public SimUser user() {
        return user;
    }

    @Override
    public int pid() {
        return pid;
    }

    public String name() {
        return name;
    }

    @Override
    public Optional<AddressSpace> addressSpace() {
        return Optional.ofNullable(space);
    }

    /** The current address space with its simulation-side type. */
    public Optional<SimAddressSpace> simAddressSpace() {
        return Optional.ofNullable(space);
    }

    @Override
    public long memlockLimitBytes() {
        return memlockLimitBytes;
    }

    public void setMemlockLimitBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative memlock limit: " + bytes);
        }
        this.memlockLimitBytes = bytes;
    }

    @Override
    public boolean capIpcLock() {
        return capIpcLock;
    }

    public void setCapIpcLock(boolean cap) {
        this.capIpcLock = cap;
    }

    @Override
    public boolean capSysRawio() {
        return capSysRawio;
    }

    public void setCapSysRawio(boolean cap) {
        this.capSysRawio = cap;
    }

    @Override
    public boolean isAlive() {
        return space != null;
    }

    /**
     * Maps a region into the current address space.
     *
     * @throws IllegalArgumentException on overlap or misalignment
     * @throws IllegalStateException if the process exited
     */
    public Region mmap(RegionSpec spec) {
        return requireSpace().map(spec, host.anonymousRunPages());
    }

    /** Unmaps {@code [vaddr, vaddr + size)}; regions it cuts are split, holes are skipped. */
    public void munmap(long vaddr, long size) {
        requireSpace().unmap(vaddr, size);
    }

    /**
     * Exits: the address space loses its users (regions torn down, not alive); its {@code
     * locked_vm} and frames pinned from it stay. A second exit does nothing.
     */
    public void exit() {
        SimAddressSpace old;
        synchronized (this) {
            old = space;
            space = null;
        }
        if (old != null) {
            old.kill();
            LOG.debug("pid {} exited", pid);
        }
    }

    /** Execs: the old address space dies as on exit; the process continues in a new, empty one. */
    public SimAddressSpace exec() {
        SimAddressSpace old;
        SimAddressSpace fresh;
        synchronized (this) {
            old = requireSpace();
            fresh = host.newAddressSpace(pid);
            space = fresh;
        }
        old.kill();
        LOG.debug("pid {} exec'ed: address space {} -> {}", pid, old.id(), fresh.id());
        return fresh;
    }

    /** Writes {@code data} at {@code vaddr} of the current address space (a CPU store). */
    public void write(long vaddr, byte[] data) {
        requireSpace().write(vaddr, data, 0, data.length);
    }

    /** Reads {@code length} bytes at {@code vaddr} of the current address space. */
    public byte[] read(long vaddr, int length) {
        byte[] out = new byte[length];
        requireSpace().read(vaddr, out, 0, length);
        return out;
    }

    private synchronized SimAddressSpace requireSpace() {
        if (space == null) {
            throw new IllegalStateException("process " + pid + " (" + name + ") has exited");
        }
        return space;
    }

    @Override
    public String toString() {
        return "process " + pid + " (" + name + ")";
    }
}
