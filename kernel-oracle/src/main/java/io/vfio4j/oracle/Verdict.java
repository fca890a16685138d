package io.vfio4j.oracle;

/** How the model's answer to one operation compares with a kernel's. */
public enum Verdict {
    /** Every compared field is the same. */
    AGREE,
    /** A difference listed in {@link KnownDifferences}, with its reason. */
    KNOWN,
    /** A difference nothing explains: the oracle fails. */
    DIFFERENT,
    /** The kernel gave no answer to an operation the model answered (or the reverse). */
    MISSING
}
