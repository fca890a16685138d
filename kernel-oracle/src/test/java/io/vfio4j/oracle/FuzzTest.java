package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generator and the shrinker without a kernel: the shrinker against a stated rule. */
class FuzzTest {
    @Test
    void theSameSeedGivesTheSameScenario() {
        assertThat(FuzzGenerator.scenario(42, 50)).isEqualTo(FuzzGenerator.scenario(42, 50));
        assertThat(FuzzGenerator.scenario(42, 50)).isNotEqualTo(FuzzGenerator.scenario(43, 50));
        ProbeScenario s = FuzzGenerator.scenario(7, 50);
        assertThat(s.name()).isEqualTo("fuzz-7");
        assertThat(s.ops()).extracting(ProbeOp::op).contains("attach", "set_iommu", "map", "unmap");
        // It is valid probe language: it survives a render and a parse.
        ProbeProgram p = new ProbeProgram(List.of(s));
        assertThat(ProbeProgram.parse("fuzz", p.render())).isEqualTo(p);
    }

    @Test
    void theShrinkerKeepsOnlyWhatTheDifferenceNeeds() {
        // A stated rule for "differs": op x differs when ops b and d came before it.
        List<ProbeOp> ops = new ArrayList<>();
        for (String id : List.of("a", "b", "c", "d", "e", "f", "g", "h", "x", "y")) {
            ops.add(ProbeOp.of(id, "check_ext", 1));
        }
        ProbeScenario failing = new ProbeScenario("f", ops);
        int[] boots = {0};
        ProbeScenario min =
                Shrinker.shrink(
                        failing,
                        "x",
                        program -> {
                            boots[0]++;
                            return program.scenarios().stream()
                                    .filter(
                                            sc -> {
                                                List<String> ids =
                                                        sc.ops().stream().map(ProbeOp::id).toList();
                                                return ids.contains("b")
                                                        && ids.contains("d")
                                                        && ids.get(ids.size() - 1).equals("x");
                                            })
                                    .map(ProbeScenario::name)
                                    .toList();
                        },
                        50);
        assertThat(min.ops()).extracting(ProbeOp::id).containsExactly("b", "d", "x");
        assertThat(min.name()).isEqualTo("f-min");
        assertThat(boots[0]).isLessThan(12);
    }
}
