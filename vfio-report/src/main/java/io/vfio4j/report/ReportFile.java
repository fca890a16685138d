package io.vfio4j.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Writes a report file, turning the JDK's exceptions into reasons a user can act on. */
public final class ReportFile {
    private ReportFile() {}

    /**
     * Writes {@code text} as UTF-8, replacing the file.
     *
     * @throws IOException whose message is the reason alone ("the directory ... does not exist",
     *     "permission denied", "it is a directory"), fit to print after the file name
     */
    public static void write(Path file, String text) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("it is a directory");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("the directory " + dir + " does not exist");
        }
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied");
        } catch (NoSuchFileException e) {
            throw new IOException("no such file or directory");
        } catch (IOException e) {
            throw new IOException(
                    "write failed" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
    }
}
