package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test vendor driver is built once per kernel and cached under {@code vendor-HASH-RELEASE}: the
 * hash must cover every file of the driver's folder, so that a changed driver, probe, /init or
 * build script never reuses a module or probe built from the old sources.
 */
class VendorCacheKeyTest {
    @Test
    void theHashCoversEveryFileOfTheVendorFolder() throws IOException, URISyntaxException {
        Path folder = Path.of(GuestFiles.class.getResource("vendor").toURI());
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(GuestFiles.VENDOR);
        }
    }

    @Test
    void theCacheDirectoryIsNamedByTheSha256OfTheFilesContents(@TempDir Path cache)
            throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (String n : GuestFiles.VENDOR) {
            md.update(GuestFiles.read("vendor", n));
        }
        String hash = HexFormat.of().formatHex(md.digest()).substring(0, 16);
        Path dir = GuestFiles.extract(cache, "vendor", GuestFiles.VENDOR);
        assertThat(dir.getFileName().toString()).isEqualTo("vendor-" + hash);
        for (String n : GuestFiles.VENDOR) {
            assertThat(Files.readAllBytes(dir.resolve(n))).isEqualTo(GuestFiles.read("vendor", n));
        }
        // every file counts: without the first one the key differs
        assertThat(
                        GuestFiles.hash(
                                "vendor", GuestFiles.VENDOR.subList(1, GuestFiles.VENDOR.size())))
                .isNotEqualTo(hash);
        assertThat(GuestFiles.hash("vendor", List.copyOf(GuestFiles.VENDOR))).isEqualTo(hash);
    }
}
