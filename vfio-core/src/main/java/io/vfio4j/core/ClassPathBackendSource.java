package io.vfio4j.core;

import io.vfio4j.api.VfioIommuDriverProvider;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Providers visible to a class loader through {@link ServiceLoader}: the class path. */
public final class ClassPathBackendSource implements BackendSource {
    private final ClassLoader loader;

    public ClassPathBackendSource(ClassLoader loader) {
        this.loader = loader;
    }

    public static ClassPathBackendSource ofContext() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        return new ClassPathBackendSource(
                tccl != null ? tccl : ClassPathBackendSource.class.getClassLoader());
    }

    @Override
    public List<DiscoveredBackend> discover() {
        List<DiscoveredBackend> found = new ArrayList<>();
        for (VfioIommuDriverProvider p :
                ServiceLoader.load(VfioIommuDriverProvider.class, loader)) {
            found.add(DiscoveredBackend.describe(p, "class path: " + location(p.getClass())));
        }
        // ServiceLoader order follows the class path; sort so that discovery does not depend on it.
        found.sort(
                Comparator.comparing(DiscoveredBackend::name)
                        .thenComparing(DiscoveredBackend::origin));
        return found;
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
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
