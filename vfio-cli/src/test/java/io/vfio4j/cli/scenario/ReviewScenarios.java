package io.vfio4j.cli.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped scenarios of the 2016 review's device combinations: the rows of docs/scenarios.md's
 * table of built-in scenarios that say "review case".
 */
public final class ReviewScenarios {
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+\\.yaml)` \\| review case ");

    private ReviewScenarios() {}

    /** Their paths, relative to a module directory, in the table's order. */
    public static List<Path> files() throws IOException {
        return Files.readString(Path.of("..", "docs", "scenarios.md"))
                .lines()
                .map(ROW::matcher)
                .filter(Matcher::find)
                .map(m -> Path.of("..", "examples", "scenarios", m.group(1)))
                .toList();
    }
}
