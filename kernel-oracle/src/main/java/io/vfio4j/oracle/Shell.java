package io.vfio4j.oracle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host program with a time limit, its output kept in a log file. */
final class Shell {
    private Shell() {}

    /**
     * @return the program's output (stdout and stderr)
     * @throws OracleException when it fails or overruns, with the tail of its output
     */
    static String run(List<String> command, Path dir, Path log, Duration limit, String what) {
        try {
            Files.createDirectories(log.getParent());
            Process p =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new OracleException(what + ": no answer in " + limit.toSeconds() + " s");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new OracleException(
                        what + " failed (exit " + p.exitValue() + "): " + tail(out, 6));
            }
            return out;
        } catch (IOException e) {
            throw new OracleException(what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OracleException(what + ": interrupted", e);
        }
    }

    /** The last {@code n} non-blank lines, joined with " | ". */
    static String tail(String text, int n) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
