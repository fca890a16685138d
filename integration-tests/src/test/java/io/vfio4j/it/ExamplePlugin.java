package io.vfio4j.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The jar the outside build of examples/noiommu-backend made (the invoker run before the tests),
 * copied into {@code <test.plugins.dir>/noiommu/}: a plugin directory of its own, as an operator
 * would install it. Copied here rather than by the build, because no build step can run between the
 * invoker run and the tests.
 */
final class ExamplePlugin {
    private ExamplePlugin() {}

    /** The plugin directory holding {@code noiommu/noiommu-backend-VERSION.jar}. */
    static synchronized Path pluginsDir() {
        Path plugins = Path.of(System.getProperty("test.plugins.dir"));
        Path built = Path.of(System.getProperty("kit.example.dir"), "target");
        try (Stream<Path> files = Files.list(built)) {
            // The shaded jar; original-noiommu-backend-VERSION.jar is the one before shading.
            List<Path> jars =
                    files.filter(
                                    p ->
                                            p.getFileName()
                                                    .toString()
                                                    .matches("noiommu-backend-.*\\.jar"))
                            .toList();
            if (jars.size() != 1) {
                throw new IllegalStateException(
                        "expected one plugin jar in " + built + ": " + jars);
            }
            Path dir = Files.createDirectories(plugins.resolve("noiommu"));
            // Only this build's jar: a jar left by an earlier build would be a second plugin.
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            Files.copy(
                    jars.get(0),
                    dir.resolve(jars.get(0).getFileName()),
                    StandardCopyOption.REPLACE_EXISTING);
            return plugins;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
