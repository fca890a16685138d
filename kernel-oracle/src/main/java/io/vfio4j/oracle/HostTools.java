package io.vfio4j.oracle;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host programs the oracle runs, and the one command that installs them (Debian). */
public final class HostTools {
    /** What a Debian host installs for the oracle (as root). */
    public static final String INSTALL =
            "apt-get install -y --no-install-recommends qemu-system-x86 busybox-static cpio gcc"
                    + " libc6-dev kmod xz-utils zstd make";

    static final List<String> PROGRAMS =
            List.of(
                    "qemu-system-x86_64",
                    "gcc",
                    "busybox",
                    "cpio",
                    "depmod",
                    "modprobe",
                    "modinfo",
                    "make",
                    "xz",
                    "zstd",
                    "gzip",
                    "readelf",
                    "dpkg-deb",
                    "apt-get",
                    "apt-cache",
                    "timeout");

    private HostTools() {}

    /** The programs of {@link #PROGRAMS} not found on {@code PATH} (plus /sbin and /usr/sbin). */
    public static List<String> missing() {
        List<String> dirs =
                new ArrayList<>(
                        List.of(
                                System.getenv()
                                        .getOrDefault("PATH", "")
                                        .split(File.pathSeparator)));
        dirs.addAll(List.of("/sbin", "/usr/sbin", "/bin", "/usr/bin"));
        List<String> missing = new ArrayList<>();
        for (String p : PROGRAMS) {
            if (dirs.stream()
                    .filter(d -> !d.isEmpty())
                    .map(d -> Path.of(d, p))
                    .noneMatch(Files::isExecutable)) {
                missing.add(p);
            }
        }
        return missing;
    }

    /**
     * @throws OracleException naming what is missing and how to install it
     */
    public static void require() {
        List<String> m = missing();
        if (!m.isEmpty()) {
            throw new OracleException(
                    "the kernel oracle needs "
                            + String.join(", ", m)
                            + " on this host; install them (as root) with: "
                            + INSTALL
                            + " (the project's .ci/run does this before mvn -B verify)");
        }
    }
}
