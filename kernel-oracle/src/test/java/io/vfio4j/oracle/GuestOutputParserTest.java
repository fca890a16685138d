package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestOutputParserTest {
    static final String TWO_SCENARIOS =
            String.join(
                    "\n",
                    "KERNEL 6.12.118+deb13-amd64",
                    "S first group=2",
                    "R a 0 0 0",
                    "R m 0 0 16384",
                    "R w -1 EOVERFLOW 16384",
                    "R u 0 0 0 unmapped=0x1000000",
                    "R i 0 0 0 argsz=4096 flags=0x3 pgsizes=0x40201000 dma_avail=65535"
                            + " ranges=0x0-0xfedfffff,0xfef00000-0x7fffffffff",
                    "E first status=0",
                    "S second group=2",
                    "R bye 0 0 4096",
                    "X second reopen=0",
                    "E second status=0",
                    "DONE",
                    "");

    @Test
    void readsScenariosResultsAndNamedValues() {
        GuestOutput out = GuestOutputParser.parse(TWO_SCENARIOS);
        assertThat(out.kernelRelease()).isEqualTo("6.12.118+deb13-amd64");
        assertThat(out.group()).contains(2);
        assertThat(out.complete()).isTrue();
        assertThat(out.problems()).isEmpty();
        ScenarioResults first = out.scenario("first").orElseThrow();
        assertThat(first.results()).hasSize(5);
        assertThat(first.result("w").orElseThrow())
                .isEqualTo(new ProbeResult("w", "EOVERFLOW", 16384, Map.of()));
        assertThat(first.result("u").orElseThrow().values()).containsEntry("unmapped", "0x1000000");
        assertThat(first.result("i").orElseThrow().values())
                .containsEntry("ranges", "0x0-0xfedfffff,0xfef00000-0x7fffffffff")
                .containsEntry("dma_avail", "65535")
                .hasSize(5);
        assertThat(first.status()).isZero();
    }

    @Test
    void theReopenAfterAnExitIsAResultOfTheExit() {
        ScenarioResults second =
                GuestOutputParser.parse(TWO_SCENARIOS).scenario("second").orElseThrow();
        assertThat(second.result("bye").orElseThrow().values()).isEqualTo(Map.of("reopen", "0"));
        assertThat(second.reopen()).isEqualTo(Optional.of("0"));
    }

    @Test
    void carriageReturnsAndBlankLinesAreIgnored() {
        GuestOutput out = GuestOutputParser.parse(TWO_SCENARIOS.replace("\n", "\r\n\n"));
        assertThat(out.problems()).isEmpty();
        assertThat(out.scenario("first").orElseThrow().results()).hasSize(5);
    }

    @Test
    void malformedLinesAreProblemsNeverResults() {
        GuestOutput out =
                GuestOutputParser.parse(
                        String.join(
                                "\n",
                                "S s group=2",
                                "R a 0 EINVAL 0", // an errno on success
                                "R b -1 0 0", // a failure without an errno
                                "R c x 0 0", // rc not a number
                                "R d 0 0 0 novalue", // a value without '='
                                "R e BAD-OPERATION map/3",
                                "garbage from somewhere",
                                "R f 0 0 8",
                                "E s status=0",
                                "DONE"));
        assertThat(out.scenario("s").orElseThrow().results())
                .extracting(ProbeResult::id)
                .containsExactly("f");
        assertThat(out.problems()).hasSize(6);
        assertThat(out.problems().get(5))
                .isEqualTo("result line 7: unknown: garbage from somewhere");
    }

    @Test
    void aGuestThatStoppedMidwayIsIncomplete() {
        GuestOutput out =
                GuestOutputParser.parse("KERNEL 7.2.13+deb14-amd64\nS s group=2\nR a 0 0 0\n");
        assertThat(out.complete()).isFalse();
        assertThat(out.scenario("s").orElseThrow().status()).isEqualTo(-1);
        assertThat(out.problems())
                .containsExactly("scenario s: no end line (the guest stopped during it)");
    }

    @Test
    void aSetupFailureIsReported() {
        GuestOutput out = GuestOutputParser.parse("FAILED no e1000e device in the guest\n");
        assertThat(out.complete()).isFalse();
        assertThat(out.problems()).containsExactly("guest: no e1000e device in the guest");
    }

    @Test
    void aProbeChildThatDiedIsAProblem() {
        GuestOutput out =
                GuestOutputParser.parse("S s group=2\nR open -1 EBUSY 0\nE s status=3\nDONE\n");
        assertThat(out.problems())
                .containsExactly("scenario s: the probe's process ended with status 3");
        assertThat(out.scenario("s").orElseThrow().result("open").orElseThrow().errno())
                .isEqualTo("EBUSY");
    }

    @Test
    void onlyAGuestThatSaidNothingAtAllIsBootedAgain() {
        assertThat(KernelOracle.diedBeforeUserspace(GuestOutputParser.parse(""))).isTrue();
        assertThat(KernelOracle.diedBeforeUserspace(GuestOutputParser.parse("KERNEL 7.2\n")))
                .isFalse();
        assertThat(KernelOracle.diedBeforeUserspace(GuestOutputParser.parse("FAILED no e1000e\n")))
                .isFalse();
        assertThat(KernelOracle.diedBeforeUserspace(GuestOutputParser.parse(TWO_SCENARIOS)))
                .isFalse();
        assertThat(KernelOracle.panic("a\n[ 0.02] Kernel panic - not syncing: x\nb\n"))
                .isEqualTo("; the kernel said: [ 0.02] Kernel panic - not syncing: x");
    }
}
