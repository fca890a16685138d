package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeProgramTest {
    @Test
    void parsesAndRendersTheProbesLanguage() {
        ProbeProgram p =
                ProbeProgram.parse(
                        "t.ops",
                        "# comment\nscenario one\n  m map 0x1000 0x0 0x1000 3 32   # trailing\nr rlimit unlimited\n\nscenario two\nx exit\n");
        assertThat(p.scenarios()).extracting(ProbeScenario::name).containsExactly("one", "two");
        assertThat(p.scenarios().get(0).ops().get(0))
                .isEqualTo(new ProbeOp("m", "map", List.of("0x1000", "0x0", "0x1000", "3", "32")));
        assertThat(p.render())
                .isEqualTo(
                        "scenario one\nm map 0x1000 0x0 0x1000 3 32\nr rlimit unlimited\nscenario two\nx exit\n");
        assertThat(ProbeProgram.parse("again", p.render())).isEqualTo(p);
    }

    @Test
    void numbersAreUnsigned64Bit() {
        ProbeOp op = ProbeOp.of("w", "map", 0x1000L, -4096L, 0x2000L, 3, 32);
        assertThat(op.line()).isEqualTo("w map 0x1000 0xfffffffffffff000 0x2000 0x3 0x20");
        assertThat(op.num(1)).isEqualTo(-4096L);
        assertThat(new ProbeOp("x", "check_ext", List.of("10")).num(0)).isEqualTo(10);
    }

    @Test
    void errorsNameFileLineAndColumn() {
        assertThatThrownBy(() -> ProbeProgram.parse("f.ops", "scenario s\n  m map 1 2 3\n"))
                .isInstanceOf(OracleInputException.class)
                .hasMessage("f.ops:2:3: map takes 5 operands, not 3");
        assertThatThrownBy(() -> ProbeProgram.parse("f.ops", "scenario s\nm frobnicate\n"))
                .hasMessage("f.ops:2:1: unknown operation 'frobnicate'");
        assertThatThrownBy(() -> ProbeProgram.parse("f.ops", "m map 1 2 3 4 5\n"))
                .hasMessage("f.ops:1:1: an operation before the first scenario line");
        assertThatThrownBy(() -> ProbeProgram.parse("f.ops", "scenario s\nm map 1 2 x 4 5\n"))
                .hasMessage("f.ops:2:1: 'x' is not a number");
        assertThatThrownBy(() -> ProbeProgram.parse("f.ops", "scenario s\nm mmap 0 4096 rwx\n"))
                .hasMessage("f.ops:2:1: mmap protection must be rw, r or none");
        assertThatThrownBy(() -> ProbeProgram.parse("f.ops", "scenario s\nscenario s\n"))
                .hasMessage("f.ops: scenario 's' twice");
    }

    @Test
    void theShippedSuiteParses() throws Exception {
        ProbeProgram p = ProbeProgram.parse("suite", OracleSuiteIT.suite());
        assertThat(p.scenarios())
                .extracting(ProbeScenario::name)
                .containsExactly(
                        "extensions",
                        "map-unmap",
                        "read-only",
                        "memlock",
                        "dirty",
                        "vaddr",
                        "exit");
        assertThat(p.scenarios().stream().mapToInt(s -> s.ops().size()).sum()).isEqualTo(134);
    }
}
