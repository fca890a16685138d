package io.vfio4j.cli;

import io.vfio4j.api.VfioIommuDriverProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/** Compiles one provider class against the API on the test class path and packs it as a plugin. */
final class PluginJars {
    private PluginJars() {}

    /**
     * A plugin jar with provider {@code com.example.<pkg>.TestProvider} (TYPE1v2) whose {@code
     * name()} and {@code checkExtension} run {@code onName} and {@code onCheck} first.
     */
    static Path provider(Path jar, String pkg, String onName, String onCheck) throws IOException {
        String fqcn = "com.example." + pkg + ".TestProvider";
        String source =
                """
                package com.example.%s;

                import io.vfio4j.api.*;
                import io.vfio4j.api.host.*;
                import java.util.*;

                public final class TestProvider implements VfioIommuDriverProvider {
                    public String name() { %s return "%s"; }
                    public SpiVersion spiVersion() { return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR); }
                    public Set<IommuType> supportedTypes() { return EnumSet.of(IommuType.TYPE1v2); }
                    public int checkExtension(long e, HostView host) { %s return 0; }
                    public VfioIommuDriverOps open(DriverContext context) {
                        throw new VfioException(Errno.EINVAL, "never opens");
                    }
                }
                """
                        .formatted(pkg, onName, pkg, onCheck);
        Path classes = Files.createTempDirectory("vfio4j-test-plugin");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter messages = new StringWriter();
        boolean ok =
                javac.getTask(
                                messages,
                                null,
                                null,
                                List.of(
                                        "-d",
                                        classes.toString(),
                                        "-classpath",
                                        location(VfioIommuDriverProvider.class).toString(),
                                        "--release",
                                        "17",
                                        "-proc:none"),
                                null,
                                List.of(new Source(fqcn, source)))
                        .call();
        if (!ok) {
            throw new IllegalStateException("test plugin does not compile:\n" + messages);
        }
        try (OutputStream os = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(os);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
            out.putNextEntry(
                    new JarEntry("META-INF/services/" + VfioIommuDriverProvider.class.getName()));
            out.write((fqcn + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(
                    URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension),
                    Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
