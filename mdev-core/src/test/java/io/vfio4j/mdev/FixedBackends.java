package io.vfio4j.mdev;

import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.core.BackendSource;
import io.vfio4j.core.DiscoveredBackend;
import java.util.ArrayList;
import java.util.List;

/** Offers the test's own providers to {@code Vfio.builder().addSource}. */
final class FixedBackends implements BackendSource {
    private final List<VfioIommuDriverProvider> providers;

    FixedBackends(VfioIommuDriverProvider... providers) {
        this.providers = List.of(providers);
    }

    @Override
    public List<DiscoveredBackend> discover() {
        List<DiscoveredBackend> out = new ArrayList<>();
        for (VfioIommuDriverProvider p : providers) {
            out.add(DiscoveredBackend.describe(p, "mdev-core test"));
        }
        return out;
    }

    @Override
    public void close() {}
}
