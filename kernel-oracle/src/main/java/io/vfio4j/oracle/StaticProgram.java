package io.vfio4j.oracle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest program compiled static with the host's gcc, once per cache directory: under a lock file
 * of that directory (parallel test JVMs share the cache), into a temporary file moved into place,
 * so a build cut short never leaves a half-written program behind.
 *
 * @param dir the directory the program, its lock file and its build log live in
 * @param lockName the lock file's name: builds that may run at the same time in one JVM use
 *     different names, as a second lock of one file there fails instead of waiting
 * @param name the program's file name
 * @param source the C source
 * @param flags gcc flags beyond {@code -O2 -Wall -static}
 * @param log the build log's file name
 * @param what the build, for the message if gcc fails
 */
record StaticProgram(
        Path dir,
        String lockName,
        String name,
        Path source,
        List<String> flags,
        String log,
        String what) {

    /** The program, compiled now unless an earlier run left it. */
    Path build() {
        Path bin = dir.resolve(name);
        try (FileChannel ch =
                        FileChannel.open(
                                dir.resolve(lockName),
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            if (!Files.isExecutable(bin)) {
                Path tmp = dir.resolve(name + ".tmp");
                List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-static"));
                command.addAll(flags);
                command.addAll(List.of("-o", tmp.toString(), source.toString()));
                Shell.run(command, dir, dir.resolve(log), Duration.ofMinutes(2), what);
                Files.move(tmp, bin, StandardCopyOption.ATOMIC_MOVE);
            }
            return bin;
        } catch (IOException e) {
            throw new OracleException("cannot build " + bin + ": " + e.getMessage(), e);
        }
    }
}
