package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** libvirt's own test cases (tests/qemumemlocktest.c) with the limits its test expects. */
class QemuMemlockTest {
    static final Path DIR = Path.of("src/test/resources/qemumemlock");

    static Stream<Arguments> cases() throws IOException {
        return Files.readAllLines(DIR.resolve("expected.md"), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("case "))
                .map(l -> l.split(" "))
                .map(w -> Arguments.of(w[1], Long.parseLong(w[2])));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("cases")
    void theCurrentRulesGiveTheLimitLibvirtsTestExpects(String name, long expected) {
        DomainSpec d = DomainXmlParser.parse(DIR.resolve("qemumemlock-" + name + ".xml"));

        assertThat(LibvirtFormula.limit(d, LibvirtEra.CURRENT).bytes()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theCatalogueHoldsNineteenCases(String name, long expected) throws IOException {
        assertThat(cases().count()).isEqualTo(19);
        assertThat(Files.exists(DIR.resolve("qemumemlock-" + name + ".xml"))).isTrue();
    }
}
