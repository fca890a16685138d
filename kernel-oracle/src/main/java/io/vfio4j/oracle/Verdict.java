package io.vfio4j.oracle;

/** How the model's answer to one operation compares with a kernel's. */
public enum Verdict {
    /** Every compared field is the same. */
    AGREE,
    /** A difference listed in {@link KnownDifferences}, with its reason. */
    KNOWN,
    /**
     * A difference after an earlier listed one left the two sides in different states (an operation
     * that succeeded on one side only): it follows from that one, which it names.
     */
    FOLLOWS,
    /** A difference nothing explains: the oracle fails. */
    DIFFERENT,
    /** The kernel gave no answer to an operation the model answered (or the reverse). */
    MISSING
}
