package io.vfio4j.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a {@code --memory} file: {@code info ramblock} output or a YAML list of blocks. */
public final class MemoryFiles {
    /** Larger files are refused: a RAM block list is a few kilobytes. */
    static final long MAX_BYTES = 1 << 20;

    private MemoryFiles() {}

    /**
     * @param hostPageSize the page size of blocks whose YAML gives none
     * @throws ReplayInputException unreadable, too large, not UTF-8, or malformed
     *     (file:line:column)
     */
    public static MemoryLayout read(Path file, long hostPageSize) throws ReplayInputException {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ReplayInputException(file + ": larger than 1 MiB, not a block list");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new ReplayInputException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ReplayInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String name = file.toString();
        boolean ramblock =
                text.lines()
                        .map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                        .findFirst()
                        .map(l -> l.startsWith("Block Name") || l.startsWith("(qemu)"))
                        .orElse(false);
        try {
            MemoryLayout parsed =
                    ramblock
                            ? RamblockParser.parse(name, new BufferedReader(new StringReader(text)))
                            : MemoryYamlParser.parse(name, new StringReader(text), hostPageSize);
            // Reports name the file, not the directory it was read from.
            return new MemoryLayout(
                    parsed.blocks(),
                    (ramblock ? "info ramblock " : "blocks of ") + file.getFileName());
        } catch (IOException e) {
            throw new ReplayInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
