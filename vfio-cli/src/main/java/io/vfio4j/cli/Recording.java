package io.vfio4j.cli;

import io.vfio4j.cli.scenario.Scenario;
import io.vfio4j.cli.scenario.ScenarioFiles;
import io.vfio4j.cli.scenario.ScenarioRecorder;
import io.vfio4j.cli.scenario.ScenarioResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/** {@code run --record}: runs the files, then writes each one's observed answers back into it. */
final class Recording {
    private Recording() {}

    static int run(
            CommandLine cl,
            List<Path> files,
            List<Scenario> scenarios,
            ScenarioOptions options,
            ConfigOptions config) {
        int[] writeError = {0};
        int code =
                ScenarioExecution.runAll(
                        cl,
                        scenarios,
                        options,
                        config,
                        results -> {
                            for (int i = 0; i < results.size(); i++) {
                                if (!write(cl, files.get(i), results.get(i))) {
                                    writeError[0] = ExitCodes.INVALID_SCENARIO;
                                }
                            }
                        });
        return writeError[0] != 0 && code == ExitCodes.OK ? writeError[0] : code;
    }

    private static boolean write(CommandLine cl, Path file, ScenarioResult r) {
        PrintWriter err = cl.getErr();
        if (r.setupError() != null || ScenarioRecorder.observing(r) == 0) {
            return true;
        }
        try {
            String text = ScenarioFiles.read(file);
            String recorded = ScenarioRecorder.record(text, r);
            if (!recorded.equals(text)) {
                Files.writeString(file, recorded, StandardCharsets.UTF_8);
            }
            err.println(
                    "vfio4j: recorded "
                            + file
                            + ": "
                            + ScenarioRecorder.observing(r)
                            + " observing step(s)");
            err.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            err.println("vfio4j: cannot record " + file + ": " + e.getMessage());
            err.flush();
            return false;
        }
    }
}
