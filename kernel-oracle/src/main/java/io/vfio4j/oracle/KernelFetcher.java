package io.vfio4j.oracle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a suite's kernel with {@code apt-get download} through a private sources list (never
 * installed; see {@code guest/fetch-kernel.sh}) into {@code cache/kernels/SUITE}, once: later runs
 * reuse it unless a refresh is asked for. A file lock keeps two builds sharing the cache from
 * fetching into the same directory at once.
 */
final class KernelFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(KernelFetcher.class);

    private KernelFetcher() {}

    static FetchedKernel fetch(OracleSettings settings, Path guestDir, OracleKernel kernel) {
        Path dir = settings.cache().resolve("kernels").resolve(kernel.suite());
        try {
            Files.createDirectories(dir);
            try (FileChannel ch =
                            FileChannel.open(
                                    dir.resolve(".lock"),
                                    StandardOpenOption.CREATE,
                                    StandardOpenOption.WRITE);
                    FileLock lock = ch.lock()) {
                Path env = dir.resolve("kernel.env");
                if (settings.refresh() || !Files.exists(env)) {
                    Files.deleteIfExists(env);
                    LOG.info("fetching the {} kernel into {}", kernel.suite(), dir);
                    Shell.run(
                            List.of(
                                    guestDir.resolve("fetch-kernel.sh").toString(),
                                    kernel.suite(),
                                    dir.toString()),
                            dir,
                            dir.resolve("fetch.log"),
                            Duration.ofMinutes(10),
                            "fetching the Debian "
                                    + kernel.suite()
                                    + " kernel (for "
                                    + kernel.era()
                                    + ")");
                }
                return read(kernel, dir, Files.readString(env));
            }
        } catch (IOException e) {
            throw new OracleException(
                    "cannot fetch the "
                            + kernel.suite()
                            + " kernel into "
                            + dir
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Reads {@code kernel.env} (KEY=VALUE lines). */
    static FetchedKernel read(OracleKernel kernel, Path dir, String env) {
        Map<String, String> v = new LinkedHashMap<>();
        env.lines()
                .filter(l -> l.indexOf('=') > 0)
                .forEach(
                        l ->
                                v.put(
                                        l.substring(0, l.indexOf('=')),
                                        l.substring(l.indexOf('=') + 1)));
        for (String k : List.of("PACKAGE", "VERSION", "RELEASE", "VMLINUZ")) {
            if (!v.containsKey(k) || v.get(k).isBlank()) {
                throw new OracleException(
                        dir.resolve("kernel.env")
                                + " has no "
                                + k
                                + ": fetch again with -D"
                                + OracleSettings.REFRESH
                                + "=true");
            }
        }
        return new FetchedKernel(
                kernel,
                v.get("PACKAGE"),
                v.get("VERSION"),
                v.get("RELEASE"),
                Path.of(v.get("VMLINUZ")),
                dir.resolve("root"));
    }
}
