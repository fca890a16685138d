package io.vfio4j.examples.review;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.examples.drivers.DmaFaultException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * What one run of a combination did: each step with {@code locked_vm} after it (and its errno if it
 * was refused), the data checks (bytes one side wrote against what the other side read), and named
 * values such as {@code dma_avail}.
 */
public final class Trace {
    /** One step and QEMU's {@code locked_vm} right after it. */
    public record Step(String action, long lockedVm, Optional<Errno> error) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%-66s locked_vm = %,9d%s",
                    action,
                    lockedVm,
                    error.map(e -> "  (refused: " + e + ")").orElse(""));
        }
    }

    /** A data check: what was expected, whether it held, and a short description. */
    public record Check(String what, boolean passed, String detail) {
        @Override
        public String toString() {
            return (passed ? "ok    " : "FAILED") + "  " + what + (passed ? "" : ": " + detail);
        }
    }

    private final String title;
    private final LongSupplier lockedVm;
    private final List<Step> steps = new ArrayList<>();
    private final List<Check> checks = new ArrayList<>();
    private final Map<String, Long> values = new LinkedHashMap<>();

    public Trace(String title, LongSupplier lockedVm) {
        this.title = title;
        this.lockedVm = lockedVm;
    }

    public String title() {
        return title;
    }

    /** Runs a step that must succeed and records {@code locked_vm} after it. */
    public void step(String action, Runnable op) {
        op.run();
        steps.add(new Step(action, lockedVm.getAsLong(), Optional.empty()));
    }

    /** Runs a step that may be refused; records its errno (or none) and {@code locked_vm}. */
    public void attempt(String action, Runnable op) {
        Optional<Errno> error = Optional.empty();
        try {
            op.run();
        } catch (VfioException e) {
            error = Optional.of(e.errno());
        }
        steps.add(new Step(action, lockedVm.getAsLong(), error));
    }

    /** Records whether {@code actual} produced exactly {@code expected}. */
    public void checkBytes(String what, byte[] expected, Supplier<byte[]> actual) {
        byte[] got;
        try {
            got = actual.get();
        } catch (RuntimeException e) {
            checks.add(new Check(what, false, e.toString()));
            return;
        }
        boolean same = Arrays.equals(expected, got);
        checks.add(
                new Check(
                        what, same, same ? "" : "expected " + hex(expected) + ", got " + hex(got)));
    }

    /** Records whether {@code dma} raised a DMA fault, as it must. */
    public void checkFault(String what, Runnable dma) {
        try {
            dma.run();
            checks.add(new Check(what, false, "the DMA went through"));
        } catch (DmaFaultException e) {
            checks.add(new Check(what, true, e.getMessage()));
        }
    }

    /** Records a condition. */
    public void check(String what, boolean condition, String detail) {
        checks.add(new Check(what, condition, detail));
    }

    /** Records a named value. */
    public void value(String name, long value) {
        values.put(name, value);
    }

    public List<Step> steps() {
        return List.copyOf(steps);
    }

    public List<Check> checks() {
        return List.copyOf(checks);
    }

    public Map<String, Long> values() {
        return Map.copyOf(values);
    }

    /** The value recorded under {@code name}. */
    public long value(String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no value " + name + " in " + values.keySet());
        }
        return v;
    }

    public boolean checksPassed() {
        return checks.stream().allMatch(Check::passed);
    }

    /** Logs the trace, one line per step, check and value. */
    public void log(Logger log) {
        log.info("== {}", title);
        steps.forEach(s -> log.info("  {}", s));
        values.forEach((k, v) -> log.info("  {} = {}", k, String.format(Locale.ROOT, "%,d", v)));
        checks.forEach(c -> log.info("  {}", c));
    }

    private static String hex(byte[] b) {
        String h = HexFormat.of().formatHex(b, 0, Math.min(b.length, 16));
        return b.length > 16 ? h + "... (" + b.length + " bytes)" : h;
    }
}
