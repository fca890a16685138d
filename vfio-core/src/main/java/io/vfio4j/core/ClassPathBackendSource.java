package io.vfio4j.core;

import io.vfio4j.api.VfioIommuDriverProvider;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;

/** Providers visible to a class loader through {@link ServiceLoader}: the class path. */
public final class ClassPathBackendSource implements BackendSource {
    private final ClassLoader loader;
    private volatile String inProgress;

    public ClassPathBackendSource(ClassLoader loader) {
        this.loader = loader;
    }

    public static ClassPathBackendSource ofContext() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        return new ClassPathBackendSource(
                tccl != null ? tccl : ClassPathBackendSource.class.getClassLoader());
    }

    /**
     * Providers found here are built in ({@link DiscoveredBackend#builtIn()}): they ship with the
     * runtime rather than being dropped into the plugin directory.
     */
    @Override
    public List<DiscoveredBackend> discover() {
        List<DiscoveredBackend> found = new ArrayList<>();
        Iterator<ServiceLoader.Provider<VfioIommuDriverProvider>> it =
                ServiceLoader.load(VfioIommuDriverProvider.class, loader).stream().iterator();
        while (it.hasNext()) {
            ServiceLoader.Provider<VfioIommuDriverProvider> p = it.next();
            String origin = "class path: " + location(p.type());
            inProgress = p.type().getName() + " (" + origin + ")";
            found.add(DiscoveredBackend.describeBuiltIn(p.get(), origin));
        }
        inProgress = null;
        // ServiceLoader order follows the class path; sort so that discovery does not depend on it.
        found.sort(
                Comparator.comparing(DiscoveredBackend::name)
                        .thenComparing(DiscoveredBackend::origin));
        return found;
    }

    @Override
    public String inProgress() {
        String now = inProgress;
        return now != null ? now : toString();
    }

    @Override
    public String toString() {
        return "the class path";
    }

    static String location(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null) {
            return type.getName();
        }
        String path = url.getPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        // A module's build output (a development run) is named by its module: the bare
        // "classes" would not say which backend it is.
        String suffix = "/target/classes";
        if (path.endsWith(suffix)) {
            String module = path.substring(0, path.length() - suffix.length());
            return module.substring(module.lastIndexOf('/') + 1) + suffix;
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
