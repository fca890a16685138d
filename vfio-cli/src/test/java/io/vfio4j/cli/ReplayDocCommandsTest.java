package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every {@code ./vfio4j} command of docs/replay.md in order, as a user would from the
 * repository root: paths of the repository stay, the files a command writes go to a scratch
 * directory (and later commands naming them read them there). Each command's exit code is 0 unless
 * its line says {@code # exit N}; where a {@code ```text} block follows a {@code ```sh} block, the
 * block's commands print exactly that.
 */
class ReplayDocCommandsTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern BLOCK = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern EXIT = Pattern.compile("#\\s*exit (\\d+)");

    @TempDir Path scratch;

    @Test
    void everyCommandOfTheReplayPageRunsAndPrintsWhatThePageShows() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/replay.md"));
        Matcher m = BLOCK.matcher(doc);
        List<String[]> blocks = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2)});
            starts.add(m.start());
            ends.add(m.end());
        }
        int commands = 0;
        int checkedOutputs = 0;
        for (int i = 0; i < blocks.size(); i++) {
            if (!blocks.get(i)[0].equals("sh")) {
                continue;
            }
            StringBuilder printed = new StringBuilder();
            for (String line : blocks.get(i)[1].split("\n")) {
                if (!line.startsWith("./vfio4j ")) {
                    continue;
                }
                commands++;
                Matcher exit = EXIT.matcher(line);
                int expected = exit.find() ? Integer.parseInt(exit.group(1)) : 0;
                String command = line.replaceAll("\\s+#.*$", "");
                CliRunner r = CliRunner.run(args(command));
                assertThat(r.err()).as(line).isEmpty();
                assertThat(r.exitCode).as(line).isEqualTo(expected);
                printed.append(r.out());
            }
            boolean outputFollows =
                    i + 1 < blocks.size()
                            && blocks.get(i + 1)[0].equals("text")
                            && doc.substring(ends.get(i), starts.get(i + 1)).isBlank();
            if (outputFollows) {
                checkedOutputs++;
                assertThat(printed.toString()).isEqualTo(blocks.get(i + 1)[1]);
            }
        }
        assertThat(commands).isEqualTo(12);
        assertThat(checkedOutputs).isEqualTo(5);
        assertThat(scratch.resolve("replay.html")).content().contains("<svg");
    }

    private String[] args(String command) {
        List<String> out = new ArrayList<>();
        for (String a : command.substring("./vfio4j ".length()).split(" +")) {
            if (a.contains("/") && Files.exists(ROOT.resolve(a))) {
                out.add(ROOT.resolve(a).toString());
            } else if (a.endsWith(".html") || a.endsWith(".yaml")) {
                out.add(scratch.resolve(a).toString());
            } else {
                out.add(a);
            }
        }
        return out.toArray(String[]::new);
    }
}
