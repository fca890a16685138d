package io.vfio4j.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mainline kernel release ({@code major.minor}) whose answers the model gives where mainline
 * changed them: the "kernel era". The runtime only carries the value; each backend decides what an
 * era means for it (e.g. {@code atLeast(V6_18)}), so a new era needs no change outside the backend
 * whose answers it changes.
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
    /** The release the model follows unless told otherwise. */
    public static final KernelVersion BASELINE = new KernelVersion(6, 16);

    /** VFIO was merged in 3.6: no earlier release has answers to give. */
    public static final KernelVersion FIRST_VFIO = new KernelVersion(3, 6);

    private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})");

    public KernelVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException(
                    "kernel version must not be negative: " + major + "." + minor);
        }
    }

    public static KernelVersion of(int major, int minor) {
        return new KernelVersion(major, minor);
    }

    /**
     * Parses {@code "6.18"} or {@code "5.0"} (surrounding blanks ignored).
     *
     * @throws IllegalArgumentException with a message fit for a user when the text is not a release
     *     of the form major.minor at or after 3.6
     */
    public static KernelVersion parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a kernel release: use major.minor, e.g. 6.16 or 6.18");
        }
        KernelVersion v =
                new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        if (v.compareTo(FIRST_VFIO) < 0) {
            throw new IllegalArgumentException(
                    "kernel " + v + " predates VFIO (merged in " + FIRST_VFIO + ")");
        }
        return v;
    }

    /** Whether this release is {@code other} or a later one. */
    public boolean atLeast(KernelVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(KernelVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
