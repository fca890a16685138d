package io.vfio4j.oracle;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the oracle keeps its downloads and how it boots.
 *
 * @param cache downloads, extracted kernels, the probe and the initramfs images (default {@code
 *     ~/.cache/vfio4j-oracle}, or {@code vfio4j.oracle.cache})
 * @param refresh fetch the kernels again even when the cache holds them
 * @param kvm boot with KVM instead of TCG (only where KVM really works)
 * @param bootTimeout the longest one boot may take
 * @param guestMemoryMib the guest's RAM
 */
public record OracleSettings(
        Path cache, boolean refresh, boolean kvm, Duration bootTimeout, int guestMemoryMib) {
    public static final String CACHE = "vfio4j.oracle.cache";
    public static final String REFRESH = "vfio4j.oracle.refresh";
    public static final String ACCEL = "vfio4j.oracle.accel";

    /** From the system properties {@code vfio4j.oracle.cache}, {@code .refresh}, {@code .accel}. */
    public static OracleSettings fromSystemProperties() {
        String cache = System.getProperty(CACHE, "");
        Path dir =
                cache.isBlank()
                        ? Path.of(System.getProperty("user.home"), ".cache", "vfio4j-oracle")
                        : Path.of(cache);
        return new OracleSettings(
                dir,
                Boolean.getBoolean(REFRESH),
                System.getProperty(ACCEL, "tcg").equals("kvm"),
                Duration.ofSeconds(180),
                256);
    }
}
