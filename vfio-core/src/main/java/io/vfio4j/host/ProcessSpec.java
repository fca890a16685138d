package io.vfio4j.host;

import io.vfio4j.api.host.Task;
import java.util.Objects;
import java.util.Optional;

/**
 * How to start a simulated process: its {@code RLIMIT_MEMLOCK} and capabilities.
 *
 * @param name a name for reports, if any
 * @param memlockLimitBytes {@code RLIMIT_MEMLOCK} in bytes, or {@link Task#UNLIMITED}
 * @param capIpcLock {@code CAP_IPC_LOCK}
 * @param capSysRawio {@code CAP_SYS_RAWIO}
 * @param uid the user that owns the process (default {@link #DEFAULT_UID}: every process of a host
 *     belongs to one user unless told otherwise, as libvirt runs every QEMU as one user)
 */
public record ProcessSpec(
        Optional<String> name,
        long memlockLimitBytes,
        boolean capIpcLock,
        boolean capSysRawio,
        int uid) {
    /** The uid of a process whose spec names none. */
    public static final int DEFAULT_UID = 1000;

    /** Linux's default {@code RLIMIT_MEMLOCK} before 5.16: 64 KiB. */
    public static final long DEFAULT_MEMLOCK_LIMIT_BYTES = 64 * 1024;

    public ProcessSpec {
        Objects.requireNonNull(name, "name");
        if (uid < 0) {
            throw new IllegalArgumentException("negative uid: " + uid);
        }
        if (memlockLimitBytes < 0) {
            throw new IllegalArgumentException("negative memlock limit: " + memlockLimitBytes);
        }
    }

    /** An unnamed process with the default 64 KiB limit and no capabilities. */
    public static ProcessSpec defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ProcessSpec}; every setting has the Linux default. */
    public static final class Builder {
        private String name;
        private long memlockLimitBytes = DEFAULT_MEMLOCK_LIMIT_BYTES;
        private boolean capIpcLock;
        private boolean capSysRawio;
        private int uid = DEFAULT_UID;

        private Builder() {}

        public Builder uid(int uid) {
            this.uid = uid;
            return this;
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder memlockLimitBytes(long bytes) {
            this.memlockLimitBytes = bytes;
            return this;
        }

        public Builder capIpcLock(boolean cap) {
            this.capIpcLock = cap;
            return this;
        }

        public Builder capSysRawio(boolean cap) {
            this.capSysRawio = cap;
            return this;
        }

        public ProcessSpec build() {
            return new ProcessSpec(
                    Optional.ofNullable(name), memlockLimitBytes, capIpcLock, capSysRawio, uid);
        }
    }
}
