package io.vfio4j.core.plugin;

import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.core.BackendSource;
import io.vfio4j.core.DiscoveredBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backends from the plugin directory ({@code vfio4j.plugin.dir}): every plugin gets its own {@link
 * PluginClassLoader} and its providers are found with {@link ServiceLoader} in that loader only.
 * Because the loader's parent is the platform loader, a class-path provider is never found again
 * here; a name offered both here and on the class path is refused by {@link
 * io.vfio4j.core.BackendDiscovery} with both origins.
 *
 * <p>Loaders live until {@link #close()} (called when the {@link io.vfio4j.core.Vfio} closes);
 * there is no reload.
 */
public final class PluginDirectorySource implements BackendSource {
    private static final Logger LOG = LoggerFactory.getLogger(PluginDirectorySource.class);

    /** The services file every plugin must carry. */
    public static final String SERVICES_FILE =
            "META-INF/services/" + VfioIommuDriverProvider.class.getName();

    private static final String API_PATH = "io/vfio4j/api/";
    private static final String SLF4J_PATH = "org/slf4j/";

    private final Path directory;
    private final ClassLoader coreLoader;

    /** Guarded by itself: never held while plugin code runs, so close() cannot block on it. */
    private final List<PluginClassLoader> loaders = new ArrayList<>();

    private volatile String inProgress;

    /** Plugins in {@code directory}, sharing the API with the loader that loaded the core. */
    public PluginDirectorySource(Path directory) {
        this(directory, PluginDirectorySource.class.getClassLoader());
    }

    public PluginDirectorySource(Path directory, ClassLoader coreLoader) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.coreLoader = Objects.requireNonNull(coreLoader, "coreLoader");
    }

    public Path directory() {
        return directory;
    }

    /** The loaders opened by {@link #discover()} and not yet closed. */
    public List<PluginClassLoader> loaders() {
        synchronized (loaders) {
            return List.copyOf(loaders);
        }
    }

    /**
     * @throws VfioConfigurationException if a plugin carries API classes, has no provider, or a
     *     provider cannot be loaded
     */
    @Override
    public List<DiscoveredBackend> discover() {
        List<DiscoveredBackend> found = new ArrayList<>();
        for (PluginBundle plugin : PluginBundle.scan(directory)) {
            inProgress = "plugin " + plugin.displayName() + " " + plugin.jarNames();
            found.addAll(load(plugin));
        }
        inProgress = null;
        return found;
    }

    @Override
    public String inProgress() {
        String now = inProgress;
        return now != null ? now : toString();
    }

    private List<DiscoveredBackend> load(PluginBundle plugin) {
        for (Path jar : plugin.jars()) {
            checkJar(jar);
        }
        PluginClassLoader loader =
                new PluginClassLoader(plugin.displayName(), urls(plugin), coreLoader);
        synchronized (loaders) {
            loaders.add(loader);
        }
        List<DiscoveredBackend> found = new ArrayList<>();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // Provider constructors and descriptions run plugin code: give it its own loader as TCCL.
        thread.setContextClassLoader(loader);
        try {
            for (VfioIommuDriverProvider p :
                    ServiceLoader.load(VfioIommuDriverProvider.class, loader)) {
                found.add(DiscoveredBackend.describe(p, origin(p, plugin)));
            }
        } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
            if (e instanceof VfioConfigurationException vce) {
                throw vce;
            }
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "Cannot load IOMMU backend from %s %s: %s",
                            plugin.displayName(),
                            plugin.jarNames(),
                            e.getMessage()
                                    + (e.getCause() != null && e.getCause().getMessage() != null
                                            ? ": " + e.getCause().getMessage()
                                            : "")),
                    e);
        } finally {
            thread.setContextClassLoader(previous);
        }
        if (found.isEmpty()) {
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "No %s in %s: expected %s in one of %s",
                            VfioIommuDriverProvider.class.getName(),
                            plugin.displayName(),
                            SERVICES_FILE,
                            plugin.jarNames()));
        }
        return found;
    }

    /**
     * Refuses a jar that carries API classes: the core's copy would always win, so the plugin would
     * run against an API it was not built with, silently.
     */
    private static void checkJar(Path jar) {
        List<String> api = new ArrayList<>();
        boolean slf4j = false;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith(".class")) {
                    if (name.startsWith(API_PATH)) {
                        api.add(name);
                    } else if (name.startsWith(SLF4J_PATH)) {
                        slf4j = true;
                    }
                }
            }
        } catch (IOException e) {
            throw new VfioConfigurationException(
                    "Cannot read plugin jar " + jar + ": " + e.getMessage(), e);
        }
        if (!api.isEmpty()) {
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "Plugin jar %s carries classes of the vfio4j API (%s%s): the runtime's"
                                    + " API always wins, so they would be ignored. Build the plugin"
                                    + " with io.vfio4j:vfio-api in scope 'provided'",
                            jar,
                            api.get(0),
                            api.size() > 1 ? " and " + (api.size() - 1) + " more" : ""));
        }
        if (slf4j) {
            LOG.warn(
                    "Plugin jar {} carries org.slf4j classes; they are ignored, the runtime's SLF4J"
                            + " API is used",
                    jar);
        }
        LOG.debug("plugin jar {}", jar);
    }

    private static List<URL> urls(PluginBundle plugin) {
        List<URL> urls = new ArrayList<>();
        for (Path jar : plugin.jars()) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new UncheckedIOException(e);
            }
        }
        return urls;
    }

    /** The jar the provider class came from, as the directory names it. */
    private static String origin(VfioIommuDriverProvider provider, PluginBundle plugin) {
        CodeSource cs = provider.getClass().getProtectionDomain().getCodeSource();
        if (cs != null && cs.getLocation() != null) {
            try {
                Path location = Path.of(cs.getLocation().toURI()).toAbsolutePath().normalize();
                for (Path jar : plugin.jars()) {
                    if (jar.toAbsolutePath().normalize().equals(location)) {
                        return jar.toString();
                    }
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                LOG.debug("cannot map code source {} to a jar", cs.getLocation(), e);
            }
        }
        return plugin.displayName();
    }

    /** Closes every plugin loader; classes already loaded stay usable until collected. */
    @Override
    public void close() {
        List<PluginClassLoader> open;
        synchronized (loaders) {
            open = List.copyOf(loaders);
            loaders.clear();
        }
        for (PluginClassLoader loader : open) {
            try {
                loader.close();
            } catch (IOException e) {
                LOG.warn("closing {} failed: {}", loader, e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "plugin directory " + directory;
    }
}
