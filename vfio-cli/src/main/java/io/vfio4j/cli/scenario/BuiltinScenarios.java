package io.vfio4j.cli.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios shipped in the jar under {@code /scenarios/}, listed in {@code
 * /scenarios/index.txt} in the order {@code vfio4j demo} runs them. The same files are in the
 * repository's {@code examples/scenarios/} (a test keeps the copies identical).
 */
public final class BuiltinScenarios {
    public static final String DIRECTORY = "/scenarios/";

    private BuiltinScenarios() {}

    /** File names (e.g. {@code type1-1-passthrough.yaml}) in demo order. */
    public static List<String> names() {
        String index = read("index.txt");
        List<String> out = new ArrayList<>();
        for (String line : index.split("\n")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                out.add(l);
            }
        }
        return out;
    }

    /** The text of one shipped scenario. */
    public static String read(String name) {
        try (InputStream in = BuiltinScenarios.class.getResourceAsStream(DIRECTORY + name)) {
            if (in == null) {
                throw new IllegalArgumentException(
                        "no built-in scenario " + name + "; built-in: " + namesOrNothing());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String namesOrNothing() {
        try {
            return String.join(", ", names());
        } catch (RuntimeException e) {
            return "(none)";
        }
    }

    /** Parses every shipped scenario (in demo order). */
    public static List<Scenario> parseAll() {
        ScenarioParser parser = new ScenarioParser();
        List<Scenario> out = new ArrayList<>();
        for (String n : names()) {
            out.add(parser.parse("builtin:" + n, read(n)));
        }
        return out;
    }
}
