package io.vfio4j.oracle;

import java.nio.file.Path;

/**
 * A Debian kernel extracted into the cache.
 *
 * @param packageName e.g. {@code linux-image-6.1.0-57-amd64}
 * @param version the Debian package version, e.g. {@code 6.1.192-3}
 * @param release {@code uname -r}, e.g. {@code 6.1.0-57-amd64}
 */
public record FetchedKernel(
        OracleKernel kernel,
        String packageName,
        String version,
        String release,
        Path vmlinuz,
        Path root) {}
