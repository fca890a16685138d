package io.vfio4j.core.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * The class loader of one plugin. Its parent is the platform class loader, so a plugin sees the JDK
 * and its own jars, and nothing of the application class path: plugins should not have access to
 * the core's libraries (Guice, Guava, ...), which may clash with their own. Only the SPI ({@code
 * io.vfio4j.api.}) and the logging API ({@code org.slf4j.}) are shared, classes and resources
 * alike, so that a provider implements the very interface the core calls and logs where the core
 * logs.
 */
public final class PluginClassLoader extends URLClassLoader {
    /** Package prefixes (binary names) loaded from the core's loader. */
    public static final List<String> SHARED_PACKAGES = List.of("io.vfio4j.api.", "org.slf4j.");

    static {
        registerAsParallelCapable();
    }

    private final String pluginName;
    private final ClassLoader coreLoader;

    /**
     * @param pluginName how the plugin is named in messages, e.g. {@code plugins/acme}
     * @param jars the plugin's jars, in search order
     * @param coreLoader where the shared packages come from
     */
    public PluginClassLoader(String pluginName, List<URL> jars, ClassLoader coreLoader) {
        super(
                "plugin " + pluginName,
                jars.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader());
        this.pluginName = Objects.requireNonNull(pluginName, "pluginName");
        this.coreLoader = Objects.requireNonNull(coreLoader, "coreLoader");
    }

    /** The plugin this loader belongs to, e.g. {@code plugins/acme}. */
    public String pluginName() {
        return pluginName;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return coreLoader.loadClass(name);
        }
        // Parent first is safe here: the parent is the platform loader, which holds only the JDK.
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return isSharedResource(name) ? coreLoader.getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return isSharedResource(name) ? coreLoader.getResources(name) : super.getResources(name);
    }

    /** True if the class with this binary name comes from the core's loader. */
    public static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** True if the resource with this path comes from the core's loader. */
    public static boolean isSharedResource(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return isShared(p.replace('/', '.'));
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + pluginName + "]";
    }
}
