package io.vfio4j.examples.iommufd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeIommuExampleTest {
    private static final Path SOURCE =
            Path.of("src/main/java/io/vfio4j/examples/iommufd/NativeIommuExample.java");
    private static final Path DOC = Path.of("../docs/iommufd.md");
    private static final String BEGIN = "<!-- BEGIN NativeIommuExample.java -->\n```java\n";
    private static final String END = "```\n<!-- END NativeIommuExample.java -->";

    @Test
    void theCountersOfEachStep() {
        NativeIommuExample.Result r = NativeIommuExample.run();
        // 64 MiB / 4 KiB = 16,384 pages, charged at attach, once despite the copy.
        assertThat(r.ulvAfterMap()).isZero();
        assertThat(r.ulvAfterAttach()).isEqualTo(16_384);
        assertThat(r.pvAfterAttach()).isEqualTo(16_384);
        assertThat(r.ulvAfterCopy()).isEqualTo(16_384);
        assertThat(r.ulvAfterDetach()).isZero();
        assertThat(r.mappingsAfterDetach()).isEqualTo(2);
    }

    @Test
    void theDocumentShowsExactlyTheSourceOfTheExample() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("begin marker in %s", DOC).isNotNegative();
        assertThat(end).as("end marker in %s", DOC).isGreaterThan(begin);
        String snippet = doc.substring(begin + BEGIN.length(), end);
        assertThat(snippet).isEqualTo(Files.readString(SOURCE, StandardCharsets.UTF_8));
    }
}
