package io.vfio4j.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportFileTest {
    @TempDir Path dir;

    @Test
    void writesUtf8AndReplacesTheFile() throws Exception {
        Path f = dir.resolve("r.html");
        Files.writeString(f, "old and longer");
        ReportFile.write(f, "é");
        assertThat(Files.readAllBytes(f)).containsExactly(0xC3, 0xA9);
    }

    @Test
    void givesAReasonAndNoExceptionName() {
        assertThatThrownBy(() -> ReportFile.write(dir, "x"))
                .isInstanceOf(IOException.class)
                .hasMessage("it is a directory");
        Path missing = dir.resolve("no/such/r.html");
        assertThatThrownBy(() -> ReportFile.write(missing, "x"))
                .hasMessage("the directory " + missing.getParent() + " does not exist");
    }
}
