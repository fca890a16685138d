package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The model side of the oracle, on the guest-shaped host, with numbers worked by hand. */
class ModelProbeTest {
    static ProbeScenario scenario(String ops) {
        return ProbeProgram.parse("t", "scenario s\n" + ops).scenarios().get(0);
    }

    static final String SETUP =
            "rl rlimit unlimited\ncap cap_ipc_lock 1\nmm mmap 0x1000000000 0x2000000 rw\na attach\ns set_iommu 3\n";

    @Test
    void mapChargesEachPageOnceAndUnmapAllReturnsEverything() {
        ScenarioResults r =
                new ModelProbe("6.12", 2)
                        .run(
                                scenario(
                                        SETUP
                                                + "m map 0x1000000000 0x10000000 0x1000000 3 32\n"
                                                + "x map 0x1000000000 0x10000000 0x1000000 3 32\n"
                                                + "u unmap 0 0 2 24 0\n"));
        // 16 MiB = 4096 pages of 4 KiB = 16384 KiB; the same range again is EEXIST.
        assertThat(r.result("m").orElseThrow().lockedKb()).isEqualTo(16384);
        assertThat(r.result("x").orElseThrow().errno()).isEqualTo("EEXIST");
        assertThat(r.result("u").orElseThrow().values()).containsEntry("unmapped", "0x1000000");
        assertThat(r.result("u").orElseThrow().lockedKb()).isZero();
    }

    @Test
    void aWrappingMapIsEinvalAt612AndEoverflowAt72() {
        String ops = SETUP + "w map 0x1000000000 0xfffffffffffff000 0x2000 3 32\n";
        assertThat(new ModelProbe("6.12", 2).run(scenario(ops)).result("w").orElseThrow().errno())
                .isEqualTo("EINVAL");
        assertThat(new ModelProbe("7.2", 2).run(scenario(ops)).result("w").orElseThrow().errno())
                .isEqualTo("EOVERFLOW");
    }

    @Test
    void getInfoDescribesTheGuestsIommu() {
        ScenarioResults r =
                new ModelProbe("6.12", 2).run(scenario(SETUP + "i info 4096\nc check_ext 4\n"));
        // 4 KiB | 2 MiB | 1 GiB; the MSI window 0xfee00000-0xfeefffff cut out of a 39-bit aperture.
        assertThat(r.result("i").orElseThrow().values())
                .containsEntry("pgsizes", "0x40201000")
                .containsEntry("ranges", "0x0-0xfedfffff,0xfef00000-0x7fffffffff")
                .containsEntry("dma_avail", "65535");
        // No snoop control in QEMU's intel-iommu: DMA_CC is 0 with the domain in place.
        assertThat(r.result("c").orElseThrow().values()).containsEntry("value", "0");
    }

    @Test
    void withoutCapIpcLockTheLimitRefusesAndTheExitFreesTheGroup() {
        ScenarioResults r =
                new ModelProbe("6.12", 2)
                        .run(
                                scenario(
                                        SETUP
                                                + "l rlimit 0x800000\nd cap_ipc_lock 0\n"
                                                + "big map 0x1000000000 0x0 0x1000000 3 32\n"
                                                + "fit map 0x1000000000 0x0 0x800000 3 32\n"
                                                + "bye exit\nafter check_ext 1\n"));
        assertThat(r.result("big").orElseThrow().errno()).isEqualTo("ENOMEM");
        assertThat(r.result("big").orElseThrow().lockedKb()).isZero();
        assertThat(r.result("fit").orElseThrow().lockedKb()).isEqualTo(8192);
        assertThat(r.result("bye").orElseThrow().values()).containsEntry("reopen", "0");
        assertThat(r.result("after")).isEmpty();
        assertThat(r.results()).extracting(ProbeResult::id).endsWith("bye");
        assertThat(List.of("6.1", "6.12", "7.2")).allMatch(e -> OracleKernel.ofEra(e).isPresent());
    }
}
