package io.vfio4j.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The captured vIOMMU trace was answered by a real Linux 6.12 type1, whose locked_vm of the traced
 * process (VmLck) was sampled alongside ({@code .vmlck.txt}, one line per change, on the clock of
 * the trace's {@code PID@SEC.USEC} prefixes). Every sample must be a value the replay's locked_vm
 * holds at that second, or lie inside a MAP whose ioctl was still pinning when it was read.
 */
class CapturedTraceKernelTest {
    private static final String NAME = "captured-2026-12-qemu-7.2-viommu-e1000e";
    private static final Pattern SECOND = Pattern.compile("^\\d+@(\\d+)\\.\\d+:");

    /** locked_vm after a call, and the trace second at which the call was printed. */
    private record State(long second, String op, long before, long after) {}

    @Test
    void everyKernelSampleIsAValueTheReplayHoldsAtThatSecond() throws Exception {
        Path trace = RealTracesTest.DIR.resolve(NAME + ".log");
        List<String> lines = Files.readAllLines(trace);
        List<State> states = new ArrayList<>();
        long[] last = {0};
        Replay.prepare(trace, Optional.empty(), ReplayOptions.defaults().withInvariantChecks(true))
                .run(
                        new ReplayListener() {
                            @Override
                            public void call(CallResult r) {
                                Matcher m = SECOND.matcher(lines.get((int) r.line() - 1));
                                assertThat(m.find())
                                        .as("line %d has a timestamp", r.line())
                                        .isTrue();
                                states.add(
                                        new State(
                                                Long.parseLong(m.group(1)),
                                                r.op(),
                                                last[0],
                                                r.lockedVmPages()));
                                last[0] = r.lockedVmPages();
                            }
                        });
        List<String> samples =
                Files.readAllLines(RealTracesTest.DIR.resolve(NAME + ".vmlck.txt")).stream()
                        .filter(l -> !l.startsWith("#"))
                        .toList();
        assertThat(samples).hasSize(31);
        // The samples are in time order, so they must match states in order too: each one is
        // matched at or after the state the one before it matched.
        int at = -1;
        int inFlight = 0;
        for (String sample : samples) {
            String[] f = sample.split(" ");
            long second = Long.parseLong(f[0]);
            long kib = Long.parseLong(f[1]);
            assertThat(kib % 4).isZero();
            long pages = kib / 4;
            int held = match(states, Math.max(at, 0), second, pages, false);
            if (at < 0 && pages == 0 && second <= states.get(0).second() + 1) {
                continue; // before the first call
            }
            if (held < 0) {
                held = match(states, Math.max(at, 0), second, pages, true);
                assertThat(held).as("sample %s", sample).isNotNegative();
                inFlight++;
            }
            at = held;
        }
        // 2,048 kB during line 12's 128 MiB MAP (3 s under emulation) is the only one in flight.
        assertThat(inFlight).isEqualTo(1);
    }

    /**
     * The first state from {@code from} that holds {@code pages} at {@code second}: the state after
     * call i lasts from its print to the print of call i + 1, plus the second in which that call's
     * ioctl may still run. In flight: a MAP still pinning, charged batch by batch, shows a value
     * between its before and after.
     */
    private static int match(
            List<State> states, int from, long second, long pages, boolean inFlight) {
        for (int i = from; i < states.size(); i++) {
            long until = i + 1 < states.size() ? states.get(i + 1).second() + 1 : Long.MAX_VALUE;
            State s = states.get(i);
            if (s.second() > second) {
                return -1;
            }
            if (second > until) {
                continue;
            }
            boolean ok =
                    inFlight
                            ? s.op().equals("MAP") && s.before() < pages && pages < s.after()
                            : s.after() == pages;
            if (ok) {
                return i;
            }
        }
        return -1;
    }
}
