package io.vfio4j.plan;

/** How libvirt's limit compares with what the kernel charges. */
public enum Verdict {
    /** The limit covers the need. */
    OK,
    /** QEMU would fail: a charge passes the limit. */
    TOO_LOW,
    /** Nothing pins guest memory. */
    NOT_NEEDED,
    /** Part of the configuration lies outside the model; the modelled part is still reported. */
    NOT_MODELLED
}
