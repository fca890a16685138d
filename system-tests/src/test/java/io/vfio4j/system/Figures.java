package io.vfio4j.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Records the figures of a run (operations, tries, failures injected, threads, duration) in {@code
 * target/run-figures.txt}, one line per test, so docs/reliability.md can quote the last long run.
 */
final class Figures {
    static final Path FILE = Path.of("target", "run-figures.txt");

    private Figures() {}

    static synchronized void record(String test, String figures) {
        String line =
                Instant.now()
                        + " "
                        + (Sys.LONG ? "LONG " : "short ")
                        + test
                        + ": "
                        + figures
                        + System.lineSeparator();
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(
                    FILE,
                    line,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
