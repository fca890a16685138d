package io.vfio4j.oracle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One boot of the oracle guest: QEMU's q35 machine with an emulated Intel IOMMU (interrupt
 * remapping, caching mode, as vfio-pci in a guest needs) and an emulated e1000e for the guest to
 * bind to vfio-pci. The console goes to one file, the probe's results to a second serial port and
 * file, so kernel messages never mix with results. {@code no_timer_check}: under TCG on a busy host
 * the kernel's check that the timer interrupt arrives through the interrupt-remapped IO-APIC can
 * time out and panic ("timer doesn't work through Interrupt-remapped IO-APIC", seen on 7.2 in about
 * one boot of ten while other builds ran); the check only guards against broken hardware.
 */
final class QemuGuest {
    private QemuGuest() {}

    /** The initramfs for one run: the base archive, zero padding to 512 bytes, the operations. */
    static byte[] initrd(byte[] base, String operations) {
        return append(
                base,
                new CpioWriter()
                        .directory("oracle")
                        .file("oracle/ops", operations.getBytes(StandardCharsets.US_ASCII))
                        .finish());
    }

    /** {@code base}, zero padding to 512 bytes, then the archive {@code ops}. */
    static byte[] append(byte[] base, byte[] ops) {
        // The kernel looks for a following archive only at a 4-byte aligned offset
        // (init/initramfs.c).
        int padded = (base.length + 511) / 512 * 512;
        byte[] all = new byte[padded + ops.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(ops, 0, all, padded, ops.length);
        return all;
    }

    static List<String> command(
            OracleSettings s, Path vmlinuz, Path initrd, Path console, Path results) {
        List<String> c = new ArrayList<>(List.of("qemu-system-x86_64"));
        if (s.kvm()) {
            c.addAll(List.of("-accel", "kvm", "-cpu", "host"));
        } else {
            c.addAll(List.of("-accel", "tcg", "-cpu", "max"));
        }
        c.addAll(
                List.of(
                        "-smp",
                        "1",
                        "-m",
                        Integer.toString(s.guestMemoryMib()),
                        "-machine",
                        "q35,kernel-irqchip=split",
                        "-device",
                        "intel-iommu,intremap=on,caching-mode=on",
                        "-device",
                        "e1000e,netdev=n0",
                        "-netdev",
                        "user,id=n0,restrict=on",
                        "-display",
                        "none",
                        "-monitor",
                        "none",
                        "-serial",
                        "file:" + console,
                        "-serial",
                        "file:" + results,
                        "-no-reboot",
                        "-kernel",
                        vmlinuz.toString(),
                        "-initrd",
                        initrd.toString(),
                        "-append",
                        "console=ttyS0 intel_iommu=on panic=-1 loglevel=4 no_timer_check"));
        return c;
    }

    /** Boots, waits for the power-off, and returns the result channel's text and the console. */
    static Boot boot(OracleSettings s, FetchedKernel k, Path base, ProbeProgram program) {
        try {
            return boot(s, k, initrd(Files.readAllBytes(base), program.render()));
        } catch (IOException e) {
            throw new OracleException(
                    k.release() + ": cannot read " + base + ": " + e.getMessage(), e);
        }
    }

    /** Boots with the complete initramfs {@code initrdBytes}. */
    static Boot boot(OracleSettings s, FetchedKernel k, byte[] initrdBytes) {
        Path work;
        try {
            work = Files.createTempDirectory("vfio4j-oracle-");
        } catch (IOException e) {
            throw new OracleException("cannot create a temporary directory: " + e.getMessage(), e);
        }
        Path initrd = work.resolve("initrd.img");
        Path console = work.resolve("console.log");
        Path results = work.resolve("results.txt");
        long t0 = System.nanoTime();
        try {
            Files.write(initrd, initrdBytes);
            Process p =
                    new ProcessBuilder(command(s, k.vmlinuz(), initrd, console, results))
                            .redirectErrorStream(true)
                            .redirectOutput(work.resolve("qemu.log").toFile())
                            .start();
            boolean ended = p.waitFor(s.bootTimeout().toSeconds(), TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            String out =
                    Files.exists(results)
                            ? Files.readString(results, StandardCharsets.ISO_8859_1)
                            : "";
            String con =
                    Files.exists(console)
                            ? Files.readString(console, StandardCharsets.ISO_8859_1)
                            : "";
            String qemu = Files.readString(work.resolve("qemu.log"));
            if (!ended) {
                throw new OracleException(
                        k.release()
                                + ": the guest did not power off in "
                                + s.bootTimeout().toSeconds()
                                + " s; console: "
                                + Shell.tail(con, 5));
            }
            if (p.exitValue() != 0) {
                throw new OracleException(
                        k.release()
                                + ": qemu-system-x86_64 failed (exit "
                                + p.exitValue()
                                + "): "
                                + Shell.tail(qemu + con, 5));
            }
            return new Boot(out, con, Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new OracleException(k.release() + ": cannot boot: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OracleException(k.release() + ": interrupted", e);
        } finally {
            for (String f : List.of("initrd.img", "console.log", "results.txt", "qemu.log")) {
                work.resolve(f).toFile().delete();
            }
            work.toFile().delete();
        }
    }

    /** The raw output of one boot. */
    record Boot(String results, String console, Duration wall) {}
}
