package io.vfio4j.core.plugin;

import io.vfio4j.api.VfioIommuDriverProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Builds plugin jars for tests: compiles Java sources with the JDK's compiler against the API on
 * the test class path, then packs chosen packages and resources into jars.
 */
final class TestJars {
    private TestJars() {}

    /**
     * Compiles {@code sources} (binary class name to source text) into {@code out}.
     *
     * @return {@code out}
     */
    static Path compile(Path out, Map<String, String> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Files.createDirectories(out);
        List<JavaFileObject> units = new ArrayList<>();
        sources.forEach((name, text) -> units.add(new Source(name, text)));
        String classPath = location(VfioIommuDriverProvider.class).toString();
        StringWriter messages = new StringWriter();
        boolean ok =
                javac.getTask(
                                messages,
                                null,
                                null,
                                List.of(
                                        "-d",
                                        out.toString(),
                                        "-classpath",
                                        classPath,
                                        "--release",
                                        "17",
                                        "-proc:none"),
                                null,
                                units)
                        .call();
        if (!ok) {
            throw new IllegalStateException("test sources do not compile:\n" + messages);
        }
        return out;
    }

    /**
     * Writes a jar with the class files of {@code classes} under the given package directories
     * (e.g. {@code com/example/a/}) plus {@code extra} entries (path to text).
     */
    static Path jar(Path jar, Path classes, List<String> packageDirs, Map<String, String> extra)
            throws IOException {
        Files.createDirectories(jar.getParent());
        Map<String, byte[]> entries = new TreeMap<>();
        for (String dir : packageDirs) {
            Path base = classes.resolve(dir);
            try (Stream<Path> files = Files.walk(base)) {
                for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                    entries.put(
                            classes.relativize(f).toString().replace('\\', '/'),
                            Files.readAllBytes(f));
                }
            }
        }
        extra.forEach((k, v) -> entries.put(k, v.getBytes(StandardCharsets.UTF_8)));
        try (OutputStream os = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    /** The services entry naming {@code providerClass}. */
    static Map<String, String> services(String providerClass) {
        return Map.of(PluginDirectorySource.SERVICES_FILE, providerClass + "\n");
    }

    static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A provider {@code com.example.<pkg>.TestProvider} named {@code name} (or {@code nameExpr}, a
     * Java expression). Its ops record in {@code state().details()} whether the thread context
     * class loader was the provider's own loader at open, attach, execute and state (1 = yes).
     */
    static String provider(String pkg, String nameExpr) {
        return """
                package com.example.%s;

                import io.vfio4j.api.*;
                import io.vfio4j.api.command.*;
                import io.vfio4j.api.host.*;
                import java.util.*;

                public final class TestProvider implements VfioIommuDriverProvider {
                    public static volatile boolean constructedWithOwnContextLoader;

                    public TestProvider() {
                        constructedWithOwnContextLoader = own();
                    }

                    static boolean own() {
                        return Thread.currentThread().getContextClassLoader()
                                == TestProvider.class.getClassLoader();
                    }

                    public String name() { return %s; }
                    public SpiVersion spiVersion() { return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR); }
                    public Set<IommuType> supportedTypes() { return EnumSet.of(IommuType.TYPE1v2); }
                    public int checkExtension(long e, HostView host) {
                        return e == IommuType.TYPE1v2.id() ? 1 : 0;
                    }
                    public VfioIommuDriverOps open(DriverContext context) { return new Ops(own()); }

                    static final class Ops implements VfioIommuDriverOps {
                        final Map<String, Long> seen = new TreeMap<>();
                        Ops(boolean ownAtOpen) { seen.put("tccl.open", ownAtOpen ? 1L : 0L); }
                        public void attachGroup(VfioGroupHandle g) { seen.put("tccl.attach", own() ? 1L : 0L); }
                        public void detachGroup(VfioGroupHandle g) {}
                        @SuppressWarnings("unchecked")
                        public <R> R execute(Task caller, VfioCommand<R> command) {
                            seen.put("tccl.execute", own() ? 1L : 0L);
                            if (command instanceof CheckExtension) {
                                return (R) Integer.valueOf(1);
                            }
                            throw new VfioException(Errno.ENOTTY, command.ioctlName());
                        }
                        public BackendState state() {
                            seen.put("tccl.state", own() ? 1L : 0L);
                            return new BackendState(0, 0, -1, 0, 0, seen);
                        }
                        public void audit(AuditSink sink) {}
                        public void release() {}
                    }
                }
                """
                .formatted(pkg, nameExpr);
    }

    /** A plain class {@code <fqcn>} whose static {@code which()} returns {@code value}. */
    static String valueClass(String fqcn, String value) {
        int dot = fqcn.lastIndexOf('.');
        return """
                package %s;

                public final class %s {
                    public static String which() { return "%s"; }
                }
                """
                .formatted(fqcn.substring(0, dot), fqcn.substring(dot + 1), value);
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(
                    java.net.URI.create(
                            "string:///" + className.replace('.', '/') + Kind.SOURCE.extension),
                    Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
