package io.vfio4j.examples.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.VendorLeak;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingExampleTest {
    private static final Path SOURCE =
            Path.of("src/main/java/io/vfio4j/examples/embedding/EmbeddingExample.java");
    private static final Path DOC = Path.of("../docs/embedding.md");
    private static final String BEGIN = "<!-- BEGIN EmbeddingExample.java -->\n```java\n";
    private static final String END = "```\n<!-- END EmbeddingExample.java -->";

    @Test
    void theExampleChargesEightPagesAndReportsTheTwoForgottenPinsAtClose() {
        EmbeddingExample.Result r = EmbeddingExample.run(2);
        assertThat(r.lockedVmWhilePinned()).isEqualTo(8);
        assertThat(r.lockedVmAfterClose()).isZero();
        assertThat(r.pinnedFramesAfterClose()).isZero();
        assertThat(r.leaks())
                .containsExactly(
                        new VendorLeak(
                                "type1",
                                EmbeddingExample.VGPU.toString(),
                                List.of(0x6000L, 0x7000L),
                                2));
    }

    @Test
    void aVendorThatUnpinsEverythingLeavesNoLeak() {
        EmbeddingExample.Result r = EmbeddingExample.run(0);
        assertThat(r.lockedVmWhilePinned()).isEqualTo(8);
        assertThat(r.lockedVmAfterClose()).isZero();
        assertThat(r.pinnedFramesAfterClose()).isZero();
        assertThat(r.leaks()).isEmpty();
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
