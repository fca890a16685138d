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
    public static final String MEMORY = "vfio4j.oracle.memory";

    /**
     * The same with {@code mib} of guest RAM (at least the setting's), and a boot limit that grows
     * by a minute for each GiB above 256 MiB: under TCG a guest pins about 1 GiB in 5 s.
     */
    public OracleSettings withGuestMemory(int mib) {
        int m = Math.max(mib, guestMemoryMib);
        return new OracleSettings(
                cache, refresh, kvm, bootTimeout.plusMinutes(Math.max(0, m - 256) / 1024), m);
    }

    /**
     * From the system properties {@code vfio4j.oracle.cache}, {@code .refresh}, {@code .accel} and
     * {@code .memory} (the guest's RAM in MiB, default 256).
     */
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
                Integer.getInteger(MEMORY, 256));
    }
}
