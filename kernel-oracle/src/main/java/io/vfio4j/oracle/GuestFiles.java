package io.vfio4j.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The guest side shipped in this jar (the probe's C source, /init, the fetch and initramfs
 * scripts), written out under the cache in a directory named by their hash, so that a changed probe
 * or script never reuses an image built from the old one.
 */
final class GuestFiles {
    static final List<String> NAMES =
            List.of("probe.c", "init", "build-initramfs.sh", "fetch-kernel.sh");

    private GuestFiles() {}

    /** The SHA-256 of the guest files, hex, first 16 digits. */
    static String hash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String n : NAMES) {
                md.update(read(n));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] read(String name) {
        try (InputStream in = GuestFiles.class.getResourceAsStream("guest/" + name)) {
            if (in == null) {
                throw new IllegalStateException("guest/" + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the files into {@code cache/guest-HASH/} (once) and returns that directory. */
    static Path extract(Path cache) {
        Path dir = cache.resolve("guest-" + hash());
        try {
            Files.createDirectories(dir);
            for (String n : NAMES) {
                Path f = dir.resolve(n);
                Path tmp = Files.createTempFile(dir, n, ".tmp");
                Files.write(tmp, read(n));
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(
                        tmp,
                        f,
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            return dir;
        } catch (IOException e) {
            throw new OracleException(
                    "cannot write the guest files under " + dir + ": " + e.getMessage(), e);
        }
    }
}
