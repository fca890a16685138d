package io.vfio4j.core.plugin;

import io.vfio4j.api.VfioConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One plugin of the plugin directory: a sub-directory whose jars share one class loader ({@code
 * plugins/acme/*.jar}), or a bare jar with a loader of its own ({@code plugins/x.jar}).
 *
 * @param displayName the plugin as messages name it, e.g. {@code plugins/acme}
 * @param jars its jars, sorted by file name
 */
public record PluginBundle(String displayName, List<Path> jars) {
    public PluginBundle {
        Objects.requireNonNull(displayName, "displayName");
        jars = List.copyOf(jars);
    }

    /**
     * The plugins of {@code directory}, sorted by name so that discovery order never depends on the
     * file system. A missing directory has no plugins. Files other than jars are ignored, and so
     * are nested directories inside a plugin.
     *
     * @throws VfioConfigurationException if the directory cannot be read or is a file
     */
    public static List<PluginBundle> scan(Path directory) {
        if (!Files.exists(directory)) {
            return List.of();
        }
        if (!Files.isDirectory(directory)) {
            throw new VfioConfigurationException(
                    "Plugin directory " + directory + " (vfio4j.plugin.dir) is not a directory");
        }
        List<PluginBundle> out = new ArrayList<>();
        for (Path entry : sortedEntries(directory)) {
            if (Files.isDirectory(entry)) {
                out.add(new PluginBundle(entry.toString(), jarsIn(entry)));
            } else if (isJar(entry)) {
                out.add(new PluginBundle(entry.toString(), List.of(entry)));
            }
        }
        return out;
    }

    private static List<Path> jarsIn(Path pluginDirectory) {
        return sortedEntries(pluginDirectory).stream()
                .filter(p -> Files.isRegularFile(p) && isJar(p))
                .collect(Collectors.toUnmodifiableList());
    }

    private static boolean isJar(Path p) {
        return p.getFileName().toString().endsWith(".jar");
    }

    private static List<Path> sortedEntries(Path directory) {
        try (Stream<Path> s = Files.list(directory)) {
            return s.sorted().collect(Collectors.toUnmodifiableList());
        } catch (IOException e) {
            throw new VfioConfigurationException(
                    "Cannot read plugin directory " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The jar file names, for messages: {@code [acme-backend-1.0.jar, guava-32.1.3.jar]}. */
    public List<String> jarNames() {
        return jars.stream()
                .map(p -> p.getFileName().toString())
                .collect(Collectors.toUnmodifiableList());
    }
}
