package io.vfio4j.core;

import io.vfio4j.api.VfioIommuDriverProvider;
import java.util.ArrayList;
import java.util.List;

/** A backend source that offers the providers it was given, as tests need them. */
final class FixedSource implements BackendSource {
    private final String origin;
    private final List<VfioIommuDriverProvider> providers;
    boolean closed;

    FixedSource(String origin, VfioIommuDriverProvider... providers) {
        this.origin = origin;
        this.providers = List.of(providers);
    }

    @Override
    public List<DiscoveredBackend> discover() {
        List<DiscoveredBackend> out = new ArrayList<>();
        for (VfioIommuDriverProvider p : providers) {
            out.add(DiscoveredBackend.describe(p, origin));
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
    }
}
