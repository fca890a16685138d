package io.vfio4j.oracle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * The prebuilt part of a guest: the probe compiled static with the host's gcc, and per kernel an
 * initramfs with busybox, the probe, /init and the kernel's VFIO modules. Both are cached under the
 * guest files' hash; the operations are appended at boot ({@link QemuGuest}).
 */
final class GuestImage {
    private GuestImage() {}

    /** The probe ({@code guest/probe.c}), compiled static once per guest files' hash. */
    static Path probe(Path guestDir) {
        return new StaticProgram(
                        guestDir,
                        ".lock",
                        "probe",
                        guestDir.resolve("probe.c"),
                        List.of(),
                        "gcc.log",
                        "compiling the probe (gcc -static; libc6-dev installed?)")
                .build();
    }

    /** The kernel's base initramfs, built once per kernel and guest-files hash. */
    static Path initramfs(Path guestDir, FetchedKernel k) {
        Path dir = k.root().getParent();
        Path out = dir.resolve("base-" + guestDir.getFileName() + "-" + k.release() + ".gz");
        try (FileChannel ch =
                        FileChannel.open(
                                dir.resolve(".lock"),
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            if (Files.exists(out)) {
                return out;
            }
            Path probe = probe(guestDir);
            Path tmp = dir.resolve(out.getFileName() + ".tmp");
            Shell.run(
                    List.of(
                            guestDir.resolve("build-initramfs.sh").toString(),
                            k.root().toString(),
                            probe.toString(),
                            guestDir.resolve("init").toString(),
                            tmp.toString()),
                    dir,
                    dir.resolve("initramfs.log"),
                    Duration.ofMinutes(3),
                    "building the initramfs for " + k.release());
            Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new OracleException(
                    "cannot build the initramfs in " + dir + ": " + e.getMessage(), e);
        }
    }
}
