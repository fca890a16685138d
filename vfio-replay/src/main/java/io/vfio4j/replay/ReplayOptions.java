package io.vfio4j.replay;

import io.vfio4j.api.IommuType;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The fixture a trace is replayed on; none of it is in a trace.
 *
 * @param iommu the IOMMU type SET_IOMMU asks for (default TYPE1v2)
 * @param backend a backend to ask only, by name; empty: every backend in order
 * @param passthrough a passthrough group (an IOMMU domain: maps pin and charge); false: an
 *     mdev-only container (no domain: maps pin nothing)
 * @param memlockBytes RLIMIT_MEMLOCK; empty: unlimited
 * @param capIpcLock the VMM holds CAP_IPC_LOCK (the limit is not checked, locked_vm still counts)
 * @param dmaEntryLimit the backend's dma_avail limit; empty: the backend's default (65535)
 * @param hostPageSize the host page size in bytes (4 KiB on x86)
 * @param checkInvariants prove the accounting invariants after every call
 * @param iovaBits the host IOMMU's address width: its aperture is [0, 2^iovaBits − 1] (48 by
 *     default; a 39-bit IOMMU refuses IOVAs from 2^39 with EINVAL)
 */
public record ReplayOptions(
        IommuType iommu,
        Optional<String> backend,
        boolean passthrough,
        OptionalLong memlockBytes,
        boolean capIpcLock,
        OptionalLong dmaEntryLimit,
        long hostPageSize,
        boolean checkInvariants,
        int iovaBits) {
    public ReplayOptions {
        Objects.requireNonNull(iommu, "iommu");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(memlockBytes, "memlockBytes");
        Objects.requireNonNull(dmaEntryLimit, "dmaEntryLimit");
        if (iovaBits < 32 || iovaBits > 64) {
            throw new IllegalArgumentException("IOVA bits must be 32 to 64: " + iovaBits);
        }
        if (hostPageSize < 4096 || Long.bitCount(hostPageSize) != 1) {
            throw new IllegalArgumentException(
                    "host page size must be a power of two of at least 4 KiB: " + hostPageSize);
        }
    }

    /** TYPE1v2, one passthrough group, unlimited memlock, 4 KiB pages, invariant checks off. */
    public static ReplayOptions defaults() {
        return new ReplayOptions(
                IommuType.TYPE1v2,
                Optional.empty(),
                true,
                OptionalLong.empty(),
                false,
                OptionalLong.empty(),
                4096,
                false,
                48);
    }

    public ReplayOptions withMemlock(OptionalLong bytes) {
        return new ReplayOptions(
                iommu,
                backend,
                passthrough,
                bytes,
                capIpcLock,
                dmaEntryLimit,
                hostPageSize,
                checkInvariants,
                iovaBits);
    }

    public ReplayOptions withInvariantChecks(boolean on) {
        return new ReplayOptions(
                iommu,
                backend,
                passthrough,
                memlockBytes,
                capIpcLock,
                dmaEntryLimit,
                hostPageSize,
                on,
                iovaBits);
    }

    public ReplayOptions withIommu(IommuType type, Optional<String> backendName) {
        return new ReplayOptions(
                type,
                backendName,
                passthrough,
                memlockBytes,
                capIpcLock,
                dmaEntryLimit,
                hostPageSize,
                checkInvariants,
                iovaBits);
    }

    public ReplayOptions withFixture(
            boolean passthroughGroup, boolean cap, OptionalLong entryLimit, long pageSize) {
        return new ReplayOptions(
                iommu,
                backend,
                passthroughGroup,
                memlockBytes,
                cap,
                entryLimit,
                pageSize,
                checkInvariants,
                iovaBits);
    }

    public ReplayOptions withIovaBits(int bits) {
        return new ReplayOptions(
                iommu,
                backend,
                passthrough,
                memlockBytes,
                capIpcLock,
                dmaEntryLimit,
                hostPageSize,
                checkInvariants,
                bits);
    }

    /** A sentence for reports: "TYPE1v2, one passthrough group, RLIMIT_MEMLOCK unlimited". */
    public String describe() {
        return iommu
                + backend.map(b -> " (backend " + b + ")").orElse("")
                + (passthrough ? ", passthrough group" : ", mdev-only container")
                + ", RLIMIT_MEMLOCK "
                + (memlockBytes.isPresent() ? Sizes.human(memlockBytes.getAsLong()) : "unlimited")
                + (capIpcLock ? ", CAP_IPC_LOCK" : "")
                + (dmaEntryLimit.isPresent()
                        ? ", dma-entry-limit " + dmaEntryLimit.getAsLong()
                        : "")
                + ", host pages of "
                + Sizes.human(hostPageSize)
                + (iovaBits != 48 ? ", " + iovaBits + "-bit IOVA" : "");
    }
}
