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

    /**
     * The test vendor driver, its guest program, its /init and build script ({@link MdevGuest}).
     */
    static final List<String> VENDOR =
            List.of(
                    "vtmdev.c",
                    "vtmdev.h",
                    "Kbuild",
                    "build-vendor.sh",
                    "vtmdev-probe.c",
                    "init-mdev",
                    "init-probe-mdev");

    private GuestFiles() {}

    /** The SHA-256 of the guest files, hex, first 16 digits. */
    static String hash() {
        return hash("guest", NAMES);
    }

    static String hash(String folder, List<String> names) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String n : names) {
                md.update(read(folder, n));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] read(String name) {
        return read("guest", name);
    }

    static byte[] read(String folder, String name) {
        try (InputStream in = GuestFiles.class.getResourceAsStream(folder + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException(folder + "/" + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the files into {@code cache/guest-HASH/} (once) and returns that directory. */
    static Path extract(Path cache) {
        return extract(cache, "guest", NAMES);
    }

    /** Writes {@code folder}'s files into {@code cache/FOLDER-HASH/} and returns that directory. */
    static Path extract(Path cache, String folder, List<String> names) {
        Path dir = cache.resolve(folder + "-" + hash(folder, names));
        try {
            Files.createDirectories(dir);
            for (String n : names) {
                Path f = dir.resolve(n);
                Path tmp = Files.createTempFile(dir, n, ".tmp");
                Files.write(tmp, read(folder, n));
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
