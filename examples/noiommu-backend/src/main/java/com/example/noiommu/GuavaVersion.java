package com.example.noiommu;

import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Which Guava this plugin's code actually runs with: the Maven version recorded in the jar (or
 * directory) that defined Guava's {@code ImmutableSet} as this plugin's class loader resolved it.
 * Reading the defining code source, not a resource looked up by name, means the answer cannot come
 * from some other Guava on a parent loader.
 */
public final class GuavaVersion {
    private static final String POM_PROPERTIES =
            "META-INF/maven/com.google.guava/guava/pom.properties";

    private GuavaVersion() {}

    /** The Guava version seen by this plugin, e.g. {@code 32.1.3-jre}. */
    public static String seen() {
        return of(ImmutableSet.class);
    }

    /** The Guava version recorded where {@code guavaClass} was loaded from. */
    public static String of(Class<?> guavaClass) {
        CodeSource cs = guavaClass.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return "unknown";
        }
        try {
            Path location = Path.of(cs.getLocation().toURI());
            Properties p = new Properties();
            if (Files.isDirectory(location)) {
                try (InputStream in = Files.newInputStream(location.resolve(POM_PROPERTIES))) {
                    p.load(in);
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    ZipEntry e = jar.getEntry(POM_PROPERTIES);
                    if (e == null) {
                        return "unknown";
                    }
                    try (InputStream in = jar.getInputStream(e)) {
                        p.load(in);
                    }
                }
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            return "unknown";
        }
    }
}
