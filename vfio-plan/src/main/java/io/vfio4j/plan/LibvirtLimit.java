package io.vfio4j.plan;

/**
 * The RLIMIT_MEMLOCK libvirt sets for a domain, with the rule that produced it.
 *
 * @param bytes 0 when libvirt leaves the inherited limit alone
 * @param rule how it was computed, e.g. {@code factor 2 x 16 GiB + 1 GiB}
 */
public record LibvirtLimit(long bytes, String rule) {
    /** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED: 2^53 - 1. */
    public static final long UNLIMITED = (1L << 53) - 1;
}
