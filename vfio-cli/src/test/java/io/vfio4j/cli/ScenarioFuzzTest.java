package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.vfio4j.cli.scenario.BuiltinScenarios;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of scenario files: mutants of the shipped scenarios (byte flips, deleted and
 * duplicated lines, numbers replaced by extreme values, swapped keys, truncation) run in-process
 * through the command. Every mutant must end with a documented exit code (0, 1, 3 or 4), print no
 * Java exception name and no stack trace, and finish within its time bound. The default run is a
 * few hundred mutants; {@code -Dvfio4j.long=true} runs thousands ({@code -DscenarioFuzz.cases=N}
 * any number). {@code -DscenarioFuzz.seed=N} replays a run. The invariant checker is off: the
 * shipped scenarios prove the accounting, the mutants probe the input handling.
 */
class ScenarioFuzzTest {
    private static final boolean LONG = Boolean.getBoolean("vfio4j.long");
    private static final int CASES = Integer.getInteger("scenarioFuzz.cases", LONG ? 5000 : 300);
    private static final Duration PER_CASE = Duration.ofSeconds(LONG ? 30 : 20);
    private static final Pattern NUMBER =
            Pattern.compile("(?<![A-Za-z_.])(0x[0-9a-fA-F_]+|[0-9]+)");
    private static final Pattern JAVA_CLASS =
            Pattern.compile("\\b[A-Z][A-Za-z]*(Exception|Error)\\b|\\tat |java\\.lang\\.");
    private static final String[] EXTREMES = {
        "0",
        "-1",
        "2147483648",
        "9223372036854775807",
        "18446744073709551616",
        "0xffff_ffff_ffff_ffff",
        "0x8000_0000_0000_0000",
        "4096 pages",
        "16EiB",
        "8EiB+8EiB",
        "1TiB",
        "1",
        "4095",
    };
    private static final String[] KEYS = {
        "size",
        "iova",
        "vaddr",
        "pages",
        "chunk",
        "length",
        "memlock",
        "page_size",
        "id",
        "group",
        "device",
        "container",
        "process",
        "flags",
        "expect",
        "errno",
        "start",
        "end",
        "backing",
        "levels",
        "window_size",
        "nth",
        "argsz",
        "instances",
    };

    @TempDir Path dir;

    @Test
    void mutantsOfTheShippedScenariosEndWithADocumentedCodeAndNoJavaNames() throws IOException {
        long seed = Long.getLong("scenarioFuzz.seed", 20261206L);
        Random random = new Random(seed);
        List<String> names = BuiltinScenarios.names();
        List<String> texts = new ArrayList<>();
        for (String n : names) {
            texts.add(BuiltinScenarios.read(n));
        }
        int[] byCode = new int[5];
        long slowest = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < CASES; i++) {
            int which = random.nextInt(texts.size());
            String kind = MUTATIONS[random.nextInt(MUTATIONS.length)];
            byte[] mutant = mutate(texts.get(which), kind, random);
            Path f = dir.resolve("case-" + i + ".yaml");
            Files.write(f, mutant);
            String what =
                    "case "
                            + i
                            + " (seed "
                            + seed
                            + ", "
                            + kind
                            + " of "
                            + names.get(which)
                            + ", kept in "
                            + f
                            + ")";
            long c0 = System.nanoTime();
            CliRunner r =
                    assertTimeoutPreemptively(
                            PER_CASE,
                            () -> CliRunner.run("run", "-q", "--no-check-invariants", f.toString()),
                            what);
            slowest = Math.max(slowest, System.nanoTime() - c0);
            String all = r.out() + r.err();
            assertThat(r.exitCode).as(what + ":\n" + all).isIn(0, 1, 3, 4);
            Matcher m = JAVA_CLASS.matcher(all);
            assertThat(m.find()).as(what + " prints a Java name:\n" + all).isFalse();
            assertThat(all)
                    .as(what)
                    .doesNotContain("internal error")
                    .doesNotContain("the model refused");
            byCode[r.exitCode]++;
            Files.delete(f);
        }
        System.out.printf(
                "ScenarioFuzzTest: %d mutants, seed %d, exit codes 0:%d 1:%d 3:%d 4:%d,"
                        + " slowest %d ms, total %d ms%n",
                CASES,
                seed,
                byCode[0],
                byCode[1],
                byCode[3],
                byCode[4],
                slowest / 1_000_000,
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(byCode[4]).as("mutants refused as invalid").isPositive();
    }

    private static final String[] MUTATIONS = {
        "byte flip",
        "line deletion",
        "line duplication",
        "extreme number",
        "extreme number",
        "extreme number",
        "key swap",
        "truncation",
    };

    static byte[] mutate(String text, String kind, Random random) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        switch (kind) {
            case "byte flip" -> {
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
                return bytes;
            }
            case "line deletion" -> lines.remove(random.nextInt(lines.size()));
            case "line duplication" -> {
                int at = random.nextInt(lines.size());
                lines.add(at, lines.get(at));
            }
            case "extreme number" -> {
                for (int k = 1 + random.nextInt(2); k > 0; k--) {
                    int at = random.nextInt(lines.size());
                    String line = lines.get(at);
                    Matcher m = NUMBER.matcher(line);
                    List<int[]> spans = new ArrayList<>();
                    while (m.find()) {
                        spans.add(new int[] {m.start(), m.end()});
                    }
                    if (spans.isEmpty()) {
                        continue;
                    }
                    int[] s = spans.get(random.nextInt(spans.size()));
                    String value = EXTREMES[random.nextInt(EXTREMES.length)];
                    lines.set(at, line.substring(0, s[0]) + value + line.substring(s[1]));
                }
            }
            case "key swap" -> {
                int at = random.nextInt(lines.size());
                String line = lines.get(at);
                Matcher m = Pattern.compile("([a-z_]+):").matcher(line);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(1), m.end(1)});
                }
                if (!spans.isEmpty()) {
                    int[] s = spans.get(random.nextInt(spans.size()));
                    String key = KEYS[random.nextInt(KEYS.length)];
                    lines.set(at, line.substring(0, s[0]) + key + line.substring(s[1]));
                }
            }
            case "truncation" -> {
                return Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }
}
