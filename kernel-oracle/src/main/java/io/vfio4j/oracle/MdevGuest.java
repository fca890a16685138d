package io.vfio4j.oracle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * A boot with the test vendor driver: the kernel's base initramfs plus a second archive that brings
 * {@code mdev.ko}, {@code vtmdev.ko} (built against that kernel's own headers, once per kernel
 * release and driver source), the static {@code vtmdev-probe}, its /init and the operation list
 * ({@code vendor/vtmdev-probe.c} documents the language). The result lines come back as the guest
 * printed them.
 */
final class MdevGuest {
    /**
     * The lock file of the vendor builds, apart from {@link GuestImage}'s {@code .lock}: in one JVM
     * a second lock of a file fails (OverlappingFileLockException) instead of waiting, so the
     * vendor builds and the base image's never share one.
     */
    private static final String VENDOR_LOCK = ".vendor-lock";

    private MdevGuest() {}

    static MdevRun run(OracleSettings s, Path guestDir, FetchedKernel k, String operations) {
        Path vendorDir = GuestFiles.extract(s.cache(), "vendor", GuestFiles.VENDOR);
        Path probe = probe(vendorDir);
        Path modules = modules(vendorDir, k);
        Path base = GuestImage.initramfs(guestDir, k);
        try {
            byte[] overlay =
                    new CpioWriter()
                            .directory("modules")
                            .directory("oracle")
                            .executable("init", Files.readAllBytes(vendorDir.resolve("init-mdev")))
                            .executable("bin/vtmdev-probe", Files.readAllBytes(probe))
                            .file("modules/mdev.ko", Files.readAllBytes(modules.resolve("mdev.ko")))
                            .file(
                                    "modules/vtmdev.ko",
                                    Files.readAllBytes(modules.resolve("vtmdev.ko")))
                            .file("oracle/mdev.ops", operations.getBytes(StandardCharsets.US_ASCII))
                            .finish();
            byte[] initrd = QemuGuest.append(Files.readAllBytes(base), overlay);
            QemuGuest.Boot boot = QemuGuest.boot(s, k, initrd);
            for (int retry = 1;
                    retry <= KernelOracle.BOOT_RETRIES && boot.results().isBlank();
                    retry++) {
                // died before /init (an early TCG boot failure): nothing ran, boot again
                boot = QemuGuest.boot(s, k, initrd);
            }
            List<String> lines = boot.results().lines().map(l -> l.replace("\r", "")).toList();
            if (lines.stream().noneMatch(l -> l.equals("END") || l.equals("HUNG vtmdev-probe"))) {
                throw new OracleException(
                        k.release()
                                + ": the mdev probe did not finish"
                                + lines.stream()
                                        .filter(l -> l.startsWith("FAILED"))
                                        .map(l -> " (" + l + ")")
                                        .findFirst()
                                        .orElse("")
                                + "; console: "
                                + Shell.tail(boot.console(), 5)
                                + KernelOracle.panic(boot.console()));
            }
            return new MdevRun(k, lines, boot.wall());
        } catch (IOException e) {
            throw new OracleException(
                    k.release() + ": cannot assemble the mdev guest: " + e.getMessage(), e);
        }
    }

    /**
     * A boot of the oracle's probe, built with the test vendor driver's operations, over {@code
     * program}: the guest's /init ({@code vendor/init-probe-mdev}) loads the driver, makes two
     * mdevs and runs the probe as the base guest does, with the same result channel.
     */
    static QemuGuest.Boot probe(
            OracleSettings s, Path guestDir, FetchedKernel k, ProbeProgram program) {
        Path vendorDir = GuestFiles.extract(s.cache(), "vendor", GuestFiles.VENDOR);
        Path probe = mdevProbe(guestDir, vendorDir);
        Path modules = modules(vendorDir, k);
        Path base = GuestImage.initramfs(guestDir, k);
        try {
            byte[] overlay =
                    new CpioWriter()
                            .directory("modules")
                            .directory("oracle")
                            .executable(
                                    "init",
                                    Files.readAllBytes(vendorDir.resolve("init-probe-mdev")))
                            .executable("bin/probe", Files.readAllBytes(probe))
                            .file("modules/mdev.ko", Files.readAllBytes(modules.resolve("mdev.ko")))
                            .file(
                                    "modules/vtmdev.ko",
                                    Files.readAllBytes(modules.resolve("vtmdev.ko")))
                            .file(
                                    "oracle/ops",
                                    program.render().getBytes(StandardCharsets.US_ASCII))
                            .finish();
            return QemuGuest.boot(s, k, QemuGuest.append(Files.readAllBytes(base), overlay));
        } catch (IOException e) {
            throw new OracleException(
                    k.release() + ": cannot assemble the mdev guest: " + e.getMessage(), e);
        }
    }

    /**
     * The oracle's probe ({@code guest/probe.c}) with the vtmdev operations ({@code -DVTMDEV}),
     * compiled static once per probe and driver header, next to the base probe.
     */
    static Path mdevProbe(Path guestDir, Path vendorDir) {
        return new StaticProgram(
                        guestDir,
                        VENDOR_LOCK,
                        "probe-" + vendorDir.getFileName(),
                        guestDir.resolve("probe.c"),
                        List.of("-DVTMDEV", "-I", vendorDir.toString()),
                        "gcc-mdev.log",
                        "compiling the probe with the vtmdev operations (gcc -static)")
                .build();
    }

    /** The guest program, compiled static once per driver source. */
    static Path probe(Path vendorDir) {
        return new StaticProgram(
                        vendorDir,
                        VENDOR_LOCK,
                        "vtmdev-probe",
                        vendorDir.resolve("vtmdev-probe.c"),
                        List.of("-I", vendorDir.toString()),
                        "gcc.log",
                        "compiling vtmdev-probe (gcc -static; libc6-dev installed?)")
                .build();
    }

    /**
     * {@code vtmdev.ko} and {@code mdev.ko} for {@code k}, in {@code kernels/SUITE/
     * vendor-HASH-RELEASE/}: built once; the headers' download stays in the kernel's directory.
     */
    static Path modules(Path vendorDir, FetchedKernel k) {
        Path kdir = k.root().getParent();
        Path out = kdir.resolve(vendorDir.getFileName() + "-" + k.release());
        try (FileChannel ch = lockFile(kdir);
                FileLock lock = ch.lock()) {
            if (!Files.exists(out.resolve("vtmdev.ko"))) {
                Path tmp = kdir.resolve(out.getFileName() + ".tmp");
                Shell.run(
                        List.of(
                                vendorDir.resolve("build-vendor.sh").toString(),
                                kdir.toString(),
                                vendorDir.toString(),
                                tmp.toString()),
                        kdir,
                        kdir.resolve("vendor-build.log"),
                        Duration.ofMinutes(10),
                        "building the test vendor driver for " + k.release());
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            }
            return out;
        } catch (IOException e) {
            throw new OracleException(
                    "cannot build the test vendor driver in " + kdir + ": " + e.getMessage(), e);
        }
    }

    private static FileChannel lockFile(Path dir) throws IOException {
        return FileChannel.open(
                dir.resolve(VENDOR_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** The guest's result lines ({@code KERNEL}, one per operation, {@code END}, {@code DMESG}). */
    record MdevRun(FetchedKernel kernel, List<String> lines, Duration wall) {
        /**
         * The lines from the first operation to {@code END}, without the kernel line; when the
         * probe hung in the kernel, to the last operation that answered.
         */
        List<String> operations() {
            return lines.subList(lines.get(0).startsWith("KERNEL") ? 1 : 0, end());
        }

        /** The probe never came back (a kernel BUG in its ioctl): the init's watchdog said so. */
        boolean hung() {
            return lines.contains("HUNG vtmdev-probe");
        }

        /** The kernel's own lines after {@code END} (or the watchdog's line). */
        List<String> dmesg() {
            return lines.subList(end() + 1, lines.size());
        }

        private int end() {
            return hung() ? lines.indexOf("HUNG vtmdev-probe") : lines.indexOf("END");
        }
    }
}
