package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Observe mode: writes what each {@code errno: any} (or {@code record: true}) step answered back
 * into the scenario text as expectations, so an exploration becomes a regression test. The text is
 * edited where the step's {@code any} is written (comments, layout and everything else stay byte
 * for byte): {@code any} becomes the errno ({@code none} for success), followed by the step's
 * results the expect map does not already state ({@code data} is left out: {@code hex} says the
 * same bytes exactly).
 */
public final class ScenarioRecorder {
    private ScenarioRecorder() {}

    /** An edit: what the step observed. */
    private record Answer(Expectation.Observe at, String errno, Map<String, String> results) {}

    /**
     * The recorded text.
     *
     * @param text the scenario file as read
     * @param result its run; steps skipped or ended otherwise than ok or an errno stay {@code any}
     */
    public static String record(String text, ScenarioResult result) {
        List<Answer> answers = new ArrayList<>();
        for (StepResult s : result.steps()) {
            Expectation e = s.step().expect();
            if (e.observe().isEmpty()
                    || s.status() == StepResult.Status.SKIPPED
                    || !e.matches(s.outcome())) {
                continue;
            }
            Expectation.Observe at = e.observe().get();
            Map<String, String> results = new TreeMap<>();
            s.results()
                    .forEach(
                            (k, v) -> {
                                if (!k.equals("data") && !at.present().contains(k)) {
                                    results.put(k, value(v));
                                }
                            });
            answers.add(new Answer(at, s.outcome().equals("ok") ? "none" : s.outcome(), results));
        }
        // Bottom up, so the positions of the edits still to make do not move.
        answers.sort(
                Comparator.comparingInt((Answer a) -> a.at().line())
                        .thenComparingInt(a -> a.at().column())
                        .reversed());
        List<String> lines = splitLines(text);
        for (Answer a : answers) {
            int i = a.at().line() - 1;
            String line = lines.get(i);
            int col = a.at().column() - 1;
            String eol = line.endsWith("\r\n") ? "\r\n" : line.endsWith("\n") ? "\n" : "";
            String before = line.substring(0, col);
            String after = line.substring(col + a.at().length());
            if (a.at().flow()) {
                StringJoiner j = new StringJoiner(", ");
                j.add(a.at().prefix() + a.errno());
                a.results().forEach((k, v) -> j.add(k + ": " + v));
                lines.set(i, before + j + after);
            } else {
                lines.set(i, before + a.at().prefix() + a.errno() + after);
                String indent = " ".repeat(a.at().keyColumn() - 1);
                List<String> added = new ArrayList<>();
                String nl = eol.isEmpty() ? "\n" : eol;
                if (eol.isEmpty()) {
                    lines.set(i, lines.get(i) + nl);
                }
                a.results().forEach((k, v) -> added.add(indent + k + ": " + v + nl));
                lines.addAll(i + 1, added);
            }
        }
        return String.join("", lines);
    }

    /** How many steps of {@code result} observe rather than assert. */
    public static long observing(ScenarioResult result) {
        return result.steps().stream().filter(s -> s.step().expect().observe().isPresent()).count();
    }

    private static List<String> splitLines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                out.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** A value as YAML: numbers as they are, text double-quoted with JSON-style escapes. */
    private static String value(Object v) {
        if (v instanceof Long || v instanceof Integer) {
            return v.toString();
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : String.valueOf(v).toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
