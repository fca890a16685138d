package io.vfio4j.api;

/** A provider's SPI version: {@code major.minor}. */
public record SpiVersion(int major, int minor) implements Comparable<SpiVersion> {
    public SpiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException(
                    "SPI version must not be negative: " + major + "." + minor);
        }
    }

    public static SpiVersion of(int major, int minor) {
        return new SpiVersion(major, minor);
    }

    /** True if a runtime of version {@code runtime} can load a provider of this version. */
    public boolean isLoadableBy(SpiVersion runtime) {
        return major == runtime.major && minor <= runtime.minor;
    }

    @Override
    public int compareTo(SpiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
