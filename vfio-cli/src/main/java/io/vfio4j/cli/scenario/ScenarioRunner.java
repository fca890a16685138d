package io.vfio4j.cli.scenario;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.KernelBugError;
import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.core.InvariantViolation;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.SimProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a parsed scenario: builds the simulated host and the VFIO runtime from it, runs the steps in
 * order, checks each step's expectations, and collects the trace and the closing summary.
 *
 * <p>A step that fails with an errno it did not expect (or ends in a kernel BUG it did not expect,
 * or breaks an invariant) stops the scenario: the steps after it are reported as skipped. A kernel
 * BUG always ends the scenario, expected or not: the simulated kernel is dead.
 */
public final class ScenarioRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ScenarioRunner.class);

    /** Builds the runtime configuration from the scenario's own {@code config:} keys. */
    @FunctionalInterface
    public interface ConfigFactory {
        VfioConfiguration create(Map<String, String> scenarioKeys);
    }

    private final ConfigFactory config;
    private final boolean checkInvariants;
    private final boolean assertExpectations;

    public ScenarioRunner(ConfigFactory config, boolean checkInvariants) {
        this(config, checkInvariants, true);
    }

    private ScenarioRunner(
            ConfigFactory config, boolean checkInvariants, boolean assertExpectations) {
        this.config = config;
        this.checkInvariants = checkInvariants;
        this.assertExpectations = assertExpectations;
    }

    /**
     * A runner for comparison runs: no step's expectation is checked and an errno never stops the
     * scenario (each backend's answers are the result); only an error or a kernel BUG ends a run.
     */
    public ScenarioRunner withoutExpectations() {
        return new ScenarioRunner(config, checkInvariants, false);
    }

    /** A runner that uses only the scenario's keys (no properties file, no system properties). */
    public static ScenarioRunner standalone(boolean checkInvariants) {
        return new ScenarioRunner(VfioConfiguration::of, checkInvariants);
    }

    /**
     * Builds the runtime the scenario would run on (its configuration, the backends found, its
     * host) and closes it again, so that a configuration error is reported before any scenario
     * runs.
     *
     * @throws VfioConfigurationException what {@link #run} would have refused at start-up
     */
    public void checkConfiguration(Scenario scenario) {
        Map<String, String> keys = new LinkedHashMap<>(scenario.config());
        keys.put(VfioConfiguration.CHECK_INVARIANTS, String.valueOf(checkInvariants));
        VfioConfiguration cfg = config.create(keys);
        Vfio.builder()
                .host(ScenarioRun.buildHost(scenario.host(), io.vfio4j.api.KernelVersion.BASELINE))
                .configuration(cfg)
                .withStandardSources()
                .build()
                .close();
    }

    public ScenarioResult run(Scenario scenario) {
        long t0 = System.nanoTime();
        Map<String, String> keys = new LinkedHashMap<>(scenario.config());
        keys.put(VfioConfiguration.CHECK_INVARIANTS, String.valueOf(checkInvariants));
        ScenarioRun run;
        try {
            run = new ScenarioRun(scenario, config.create(keys));
        } catch (VfioConfigurationException | IllegalArgumentException | IllegalStateException e) {
            LOG.debug("scenario {} could not start", scenario.name(), e);
            return new ScenarioResult(
                    scenario,
                    e.getMessage(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    scenario.host().pageSize(),
                    millis(t0));
        }
        try (run) {
            List<StepResult> results = new ArrayList<>();
            boolean stopped = false;
            for (Step step : scenario.steps()) {
                if (stopped) {
                    results.add(skipped(step, run));
                    continue;
                }
                StepResult r = execute(step, run);
                results.add(r);
                stopped =
                        r.outcome().equals("kernel BUG")
                                || (assertExpectations
                                        ? stops(step, r)
                                        : r.outcome().equals("error"));
            }
            return new ScenarioResult(
                    scenario,
                    null,
                    results,
                    processSummaries(run),
                    containerSummaries(run),
                    leaks(run),
                    run.vfio().warnings(),
                    run.pageSize(),
                    millis(t0));
        }
    }

    private static long millis(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** An unexpected errno, an unexpected BUG, or an error stops the scenario. */
    private static boolean stops(Step step, StepResult r) {
        if (r.outcome().equals("ok")) {
            return false;
        }
        if (r.outcome().equals("error")) {
            return true;
        }
        return !step.expect().matches(r.outcome());
    }

    private StepResult execute(Step step, ScenarioRun run) {
        Expectation expect = step.expect();
        Map<String, Object> results = Map.of();
        String outcome;
        String message = "";
        try {
            results = step.action().run(run);
            outcome = "ok";
        } catch (VfioException e) {
            outcome = e.errno().name();
            message = e.getMessage();
            if (message.startsWith(outcome + ": ")) {
                message = message.substring(outcome.length() + 2);
            }
        } catch (KernelBugError e) {
            outcome = "kernel BUG";
            message = e.getMessage();
        } catch (InvariantViolation e) {
            outcome = "error";
            message = "invariant violated " + e.getMessage();
        } catch (VfioConfigurationException e) {
            // A backend setting refused only when SET_IOMMU instantiates the backend.
            outcome = StepResult.CONFIGURATION_ERROR;
            message = e.getMessage();
        } catch (RuntimeException e) {
            // A model limit the parser could not foresee; the user gets its message, never the
            // Java class (it is in the debug log with its stack).
            outcome = "error";
            message = "the model refused the step: " + e.getMessage();
            LOG.debug("step {} failed", step.number(), e);
        }
        run.observe();
        List<String> failures = new ArrayList<>();
        String expected = expect.outcome();
        if (!assertExpectations) {
            if (outcome.equals("error") || outcome.equals(StepResult.CONFIGURATION_ERROR)) {
                failures.add(outcome + ": " + message);
            }
        } else if (!expect.matches(outcome)) {
            if (expected.equals("ok")) {
                failures.add("failed unexpectedly with " + outcome + ": " + message);
            } else if (outcome.equals("ok")) {
                failures.add("expected " + expected + ", but the step succeeded");
            } else {
                failures.add("expected " + expected + ", got " + outcome + ": " + message);
            }
        }
        if (assertExpectations && (expect.matches(outcome) || outcome.equals("ok"))) {
            for (Check c : expect.checks()) {
                String f = c.verify(run, results);
                if (f != null) {
                    failures.add(f);
                }
            }
        }
        return new StepResult(
                step,
                failures.isEmpty() ? StepResult.Status.PASSED : StepResult.Status.FAILED,
                outcome,
                message,
                failures,
                results,
                lockedVm(run),
                snapshots(run),
                pinnedVm(run),
                userLockedVm(run));
    }

    private static StepResult skipped(Step step, ScenarioRun run) {
        return new StepResult(
                step,
                StepResult.Status.SKIPPED,
                "skipped",
                "",
                List.of(),
                Map.of(),
                lockedVm(run),
                snapshots(run),
                pinnedVm(run),
                userLockedVm(run));
    }

    private static Map<String, Long> lockedVm(ScenarioRun run) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String p : run.processes().keySet()) {
            out.put(p, run.lockedVm(p));
        }
        return out;
    }

    private static Map<String, Long> pinnedVm(ScenarioRun run) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String p : run.processes().keySet()) {
            out.put(p, run.space(p).pinnedVm());
        }
        return out;
    }

    private static Map<String, Long> userLockedVm(ScenarioRun run) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String p : run.processes().keySet()) {
            out.put(p, run.process(p).user().lockedVm());
        }
        return out;
    }

    private static Map<String, StepResult.ContainerSnapshot> snapshots(ScenarioRun run) {
        Map<String, StepResult.ContainerSnapshot> out = new LinkedHashMap<>();
        for (Map.Entry<String, VfioContainer> e : run.containers().entrySet()) {
            out.put(
                    e.getKey(),
                    stateOf(e.getValue())
                            .map(
                                    s ->
                                            new StepResult.ContainerSnapshot(
                                                    true,
                                                    s.mappings(),
                                                    s.mappedBytes(),
                                                    s.dmaAvail(),
                                                    s.pinnedPages(),
                                                    s.pinReferences(),
                                                    e.getValue().backendName().orElse("-")))
                            .orElse(new StepResult.ContainerSnapshot(false, 0, 0, 0, 0, 0, "-")));
        }
        // A /dev/iommu context shows in the trace and the reports like a container.
        for (Map.Entry<String, IommuContext> e : run.natives().contexts().entrySet()) {
            Optional<BackendState> s = run.natives().state(e.getKey());
            String backend = e.getValue().backendName();
            out.put(
                    e.getKey(),
                    s.map(
                                    x ->
                                            new StepResult.ContainerSnapshot(
                                                    true,
                                                    x.mappings(),
                                                    x.mappedBytes(),
                                                    x.dmaAvail(),
                                                    x.pinnedPages(),
                                                    x.pinReferences(),
                                                    backend))
                            .orElse(new StepResult.ContainerSnapshot(false, 0, 0, 0, 0, 0, "-")));
        }
        return out;
    }

    private static List<ScenarioResult.ProcessSummary> processSummaries(ScenarioRun run) {
        List<ScenarioResult.ProcessSummary> out = new ArrayList<>();
        for (Map.Entry<String, SimProcess> e : run.processes().entrySet()) {
            SimProcess p = e.getValue();
            out.add(
                    new ScenarioResult.ProcessSummary(
                            e.getKey(),
                            p.pid(),
                            p.memlockLimitBytes(),
                            p.capIpcLock(),
                            run.peakLocked(e.getKey()),
                            run.lockedVm(e.getKey()),
                            p.isAlive() ? "alive" : "exited",
                            run.space(e.getKey()).pinnedVm(),
                            p.user().lockedVm()));
        }
        return out;
    }

    /** The container's state; empty if unset or if its backend failed to report (EIO). */
    private static java.util.Optional<BackendState> stateOf(VfioContainer c) {
        try {
            return c.state();
        } catch (io.vfio4j.api.VfioException e) {
            return java.util.Optional.empty();
        }
    }

    private static List<ScenarioResult.ContainerSummary> containerSummaries(ScenarioRun run) {
        List<ScenarioResult.ContainerSummary> out = new ArrayList<>();
        for (Map.Entry<String, VfioContainer> e : run.containers().entrySet()) {
            VfioContainer c = e.getValue();
            BackendState s = stateOf(c).orElse(null);
            out.add(
                    new ScenarioResult.ContainerSummary(
                            e.getKey(),
                            run.servedBy(e.getKey()).map(DiscoveredBackend::name).orElse("-"),
                            run.servedBy(e.getKey()).map(DiscoveredBackend::origin).orElse("-"),
                            c.iommuType().map(Enum::name).orElse("-"),
                            s == null ? 0 : s.mappings(),
                            s == null ? 0 : s.mappedBytes(),
                            s == null ? 0 : s.dmaAvail(),
                            s == null ? 0 : s.pinnedPages(),
                            run.peakPins(e.getKey()),
                            s == null ? 0 : s.pinReferences(),
                            s == null ? Map.of() : s.details()));
        }
        for (Map.Entry<String, IommuContext> e : run.natives().contexts().entrySet()) {
            BackendState s = run.natives().state(e.getKey()).orElse(null);
            IommuContext c = e.getValue();
            out.add(
                    new ScenarioResult.ContainerSummary(
                            e.getKey(),
                            c.backendName(),
                            run.vfio().backends().require(c.backendName()).origin(),
                            s == null ? "(closed)" : "/dev/iommu",
                            s == null ? 0 : s.mappings(),
                            s == null ? 0 : s.mappedBytes(),
                            s == null ? -1 : s.dmaAvail(),
                            s == null ? 0 : s.pinnedPages(),
                            run.peakPins(e.getKey()),
                            s == null ? 0 : s.pinReferences(),
                            s == null ? Map.of() : s.details()));
        }
        return out;
    }

    private static List<String> leaks(ScenarioRun run) {
        List<String> out = new ArrayList<>();
        for (VendorLeak l : run.vfio().vendorLeaks()) {
            out.add(
                    "device "
                            + l.device()
                            + " left "
                            + Sizes.count(l.iovas().size())
                            + " pinned pages ("
                            + l.references()
                            + " references) in a "
                            + l.backend()
                            + " container"
                            + (l.iovas().isEmpty()
                                    ? ""
                                    : ", from iova " + Sizes.hex(l.iovas().get(0))));
        }
        return out;
    }
}
