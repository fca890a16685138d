package io.vfio4j.api.host;

import java.util.Optional;

/**
 * The caller of an ioctl or kernel call: a thread group (a process) with its current address space,
 * its {@code RLIMIT_MEMLOCK} and its capabilities. Backends read it when a call starts; they must
 * never charge or pin through it later, because the process may exit or exec while the container
 * lives: keep a counted {@link AddressSpace} reference for that. Keeping the task to read its limit
 * later is fine, as the kernel's type1 does with {@code dma->task}: the limit stays readable after
 * an exit.
 */
public interface Task {
    /** {@link #memlockLimitBytes()} when {@code RLIMIT_MEMLOCK} is {@code RLIM_INFINITY}. */
    long UNLIMITED = Long.MAX_VALUE;

    /** The process id. */
    int pid();

    /**
     * The current address space (the kernel's {@code current->mm}). Empty for a process that has
     * exited; a different space after an exec.
     */
    Optional<AddressSpace> addressSpace();

    /** {@code RLIMIT_MEMLOCK} in bytes, or {@link #UNLIMITED}. */
    long memlockLimitBytes();

    /** {@code CAP_IPC_LOCK}: bypasses the locked-memory limit check, never the count. */
    boolean capIpcLock();

    /** {@code CAP_SYS_RAWIO}: required to use a no-IOMMU group. */
    boolean capSysRawio();

    /**
     * {@code CAP_SYS_RESOURCE}: needed to switch an iommufd context's RLIMIT mode (SPI 1.5). The
     * default is false, so a runtime or test task written before 1.5 lacks it.
     */
    default boolean capSysResource() {
        return false;
    }

    /** The user that owns the process, whose {@code locked_vm} all its processes share. */
    HostUser user();

    /** True until the process exits. */
    boolean isAlive();

    /** {@code RLIMIT_MEMLOCK} in pages of {@code pageSize} bytes, rounded down. */
    default long memlockLimitPages(long pageSize) {
        long bytes = memlockLimitBytes();
        return bytes == UNLIMITED ? Long.MAX_VALUE : bytes / pageSize;
    }
}
