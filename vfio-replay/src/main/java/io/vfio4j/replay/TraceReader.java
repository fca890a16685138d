package io.vfio4j.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Streams a trace file through the {@link TraceParser}, one line at a time. Lines starting with
 * {@code #} are annotations and blank lines are nothing; neither is counted as skipped. Bytes that
 * are not UTF-8 are replaced, so a damaged copy is read, not refused.
 */
public final class TraceReader {
    private final TraceParser parser = new TraceParser();
    private final long[] formatCounts = new long[LineFormat.values().length];
    private long lines;

    /**
     * Reads every line of {@code file} and hands each event to {@code sink}.
     *
     * @throws ReplayInputException if the file cannot be read
     */
    public void read(Path file, Consumer<TraceEvent> sink) throws ReplayInputException {
        var decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                lines++;
                accept(lines, line, sink);
            }
        } catch (IOException e) {
            throw new ReplayInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void accept(long n, String line, Consumer<TraceEvent> sink) {
        int first = 0;
        while (first < line.length() && Character.isWhitespace(line.charAt(first))) {
            first++;
        }
        if (first == line.length() || line.charAt(first) == '#') {
            return;
        }
        long location = parser.locate(line);
        TraceEvent e = parser.parse(n, line, location);
        if (!(e instanceof TraceEvent.Skipped)) {
            formatCounts[LineFormat.of(parser.prefix(line, location)).ordinal()]++;
        }
        sink.accept(e);
    }

    /** Lines read so far. */
    public long lines() {
        return lines;
    }

    /** How many event lines had each prefix format. */
    public Map<LineFormat, Long> formats() {
        Map<LineFormat, Long> m = new EnumMap<>(LineFormat.class);
        for (LineFormat f : LineFormat.values()) {
            if (formatCounts[f.ordinal()] > 0) {
                m.put(f, formatCounts[f.ordinal()]);
            }
        }
        return Map.copyOf(m);
    }
}
