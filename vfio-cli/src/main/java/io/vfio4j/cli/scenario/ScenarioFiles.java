package io.vfio4j.cli.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a scenario file's text: refused by its size before anything is parsed (a huge scalar costs
 * the YAML reader seconds and memory just to be refused later), and decoded as strict UTF-8 so a
 * bad byte is reported with its offset instead of being replaced.
 */
public final class ScenarioFiles {
    /**
     * The largest scenario file read: 1 MiB, 250 times the largest shipped scenario (4 KiB). The
     * YAML reader needs about 2 s and 600 MB for a 1 MiB scalar, 12 s and 1 GB for 4 MiB.
     */
    public static final long MAX_BYTES = 1L << 20;

    private ScenarioFiles() {}

    /**
     * The file's text.
     *
     * @throws ScenarioSyntaxException for a file too large or not UTF-8 (line 1 column 1, or the
     *     line and column of the bad byte)
     * @throws IOException for a file that cannot be read; its message says why in words
     */
    public static String read(Path file) throws IOException {
        String name = file.toString();
        long size;
        try {
            if (Files.isDirectory(file)) {
                throw new IOException("it is a directory");
            }
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new IOException("no such file");
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied");
        }
        if (size > MAX_BYTES) {
            throw new ScenarioSyntaxException(
                    name,
                    1,
                    1,
                    String.format(
                            Locale.ROOT,
                            "the file has %s bytes; a scenario file may have at most %s (1 MiB)",
                            Sizes.count(size),
                            Sizes.count(MAX_BYTES)));
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied");
        } catch (IOException e) {
            throw new IOException("read failed (" + e.getMessage() + ")");
        }
        return decode(name, bytes);
    }

    /** Strict UTF-8; the first bad byte is reported with its offset, line and column. */
    public static String decode(String name, byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new ScenarioSyntaxException(
                    name, 1, 1, "more than " + Sizes.count(MAX_BYTES) + " bytes (1 MiB)");
        }
        CharsetDecoder decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int offset = in.position();
            String before = out.flip().toString();
            int line = 1 + (int) before.chars().filter(c -> c == '\n').count();
            int column = before.length() - before.lastIndexOf('\n');
            throw new ScenarioSyntaxException(
                    name,
                    line,
                    column,
                    String.format(
                            Locale.ROOT,
                            "not UTF-8: byte 0x%02x at byte offset %d",
                            bytes[offset] & 0xff,
                            offset));
        }
        try {
            r = decoder.flush(out);
        } catch (IllegalStateException e) {
            throw new ScenarioSyntaxException(name, 1, 1, "not UTF-8");
        }
        if (r.isError()) {
            throw new ScenarioSyntaxException(name, 1, 1, "not UTF-8 at the end of the file");
        }
        return out.flip().toString();
    }
}
