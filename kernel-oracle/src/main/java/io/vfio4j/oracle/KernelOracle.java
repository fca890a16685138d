package io.vfio4j.oracle;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real kernel as an oracle: fetches a Debian kernel, builds its guest once, and boots it with
 * an operation list; every scenario of the list runs in the same boot.
 *
 * <pre>{@code
 * KernelOracle oracle = KernelOracle.create(OracleSettings.fromSystemProperties());
 * KernelRun run = oracle.run(OracleKernel.V6_12, ProbeProgram.parse("my.ops", text));
 * }</pre>
 */
public final class KernelOracle {
    private static final Logger LOG = LoggerFactory.getLogger(KernelOracle.class);
    static final int BOOT_RETRIES = 2;

    private final OracleSettings settings;
    private final Path guestDir;

    private KernelOracle(OracleSettings settings, Path guestDir) {
        this.settings = settings;
        this.guestDir = guestDir;
    }

    /**
     * @throws OracleException when a host tool is missing (the message says how to install it)
     */
    public static KernelOracle create(OracleSettings settings) {
        HostTools.require();
        return new KernelOracle(settings, GuestFiles.extract(settings.cache()));
    }

    public OracleSettings settings() {
        return settings;
    }

    /** Fetches (or finds in the cache) the kernel of {@code kernel}'s suite. */
    public FetchedKernel fetch(OracleKernel kernel) {
        return KernelFetcher.fetch(settings, guestDir, kernel);
    }

    /**
     * Boots {@code kernel} once with {@code program}.
     *
     * @throws OracleException when the kernel cannot be fetched or the guest does not finish
     */
    public KernelRun run(OracleKernel kernel, ProbeProgram program) {
        FetchedKernel k = fetch(kernel);
        QemuGuest.Boot boot = boot(k, program);
        GuestOutput out = GuestOutputParser.parse(boot.results());
        for (int retry = 1; retry <= BOOT_RETRIES && diedBeforeUserspace(out); retry++) {
            // A kernel that died before /init ran gave no answer at all; under TCG an early boot
            // fails now and then. Boot again; a guest that ran any operation is never retried.
            LOG.warn(
                    "{}: the guest died before /init ({}); booting again ({} of {})",
                    k.release(),
                    Shell.tail(boot.console(), 1) + panic(boot.console()),
                    retry,
                    BOOT_RETRIES);
            boot = boot(k, program);
            out = GuestOutputParser.parse(boot.results());
        }
        LOG.info(
                "{}: {} scenarios in {} ms",
                k.release(),
                out.scenarios().size(),
                boot.wall().toMillis());
        if (!out.complete()) {
            throw new OracleException(
                    k.release()
                            + ": the probe did not finish"
                            + (out.problems().isEmpty()
                                    ? ""
                                    : " (" + String.join("; ", out.problems()) + ")")
                            + "; console: "
                            + Shell.tail(boot.console(), 5)
                            + panic(boot.console()));
        }
        return new KernelRun(k, out, boot.wall());
    }

    /**
     * Boots {@code kernel} once with the test vendor driver and {@code operations} for
     * vtmdev-probe.
     *
     * @throws OracleException when the driver cannot be built or the guest does not finish
     */
    MdevGuest.MdevRun runMdev(OracleKernel kernel, String operations) {
        MdevGuest.MdevRun run = MdevGuest.run(settings, guestDir, fetch(kernel), operations);
        LOG.info(
                "{}: mdev probe, {} lines in {} ms",
                run.kernel().release(),
                run.lines().size(),
                run.wall().toMillis());
        return run;
    }

    /** The base guest, or the test vendor driver's when an operation needs it. */
    private QemuGuest.Boot boot(FetchedKernel k, ProbeProgram program) {
        return program.usesMdev()
                ? MdevGuest.probe(settings, guestDir, k, program)
                : QemuGuest.boot(settings, k, GuestImage.initramfs(guestDir, k), program);
    }

    /** Nothing on the result channel: /init never ran. */
    static boolean diedBeforeUserspace(GuestOutput out) {
        return !out.complete()
                && out.kernelRelease().isEmpty()
                && out.scenarios().isEmpty()
                && out.problems().isEmpty();
    }

    /** The console's lines that say why a kernel died, if any. */
    static String panic(String console) {
        java.util.List<String> lines =
                console.lines()
                        .filter(
                                l ->
                                        l.contains("Kernel panic")
                                                || l.contains("BUG:")
                                                || l.contains("RIP:")
                                                || l.contains("Oops"))
                        .limit(4)
                        .toList();
        return lines.isEmpty() ? "" : "; the kernel said: " + String.join(" | ", lines);
    }
}
