package io.vfio4j.cli.scenario;

import io.vfio4j.api.BackendState;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.host.SimMemfd;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code /dev/iommu} contexts of one run and the ids behind the names a scenario gave their
 * objects. A name is bound when the step that makes the object succeeds; a later step naming an
 * object whose step failed is a model error that says so.
 */
final class NativeRun {
    private final Vfio vfio;
    private final Map<String, IommuContext> contexts = new LinkedHashMap<>();
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final Map<String, SimMemfd> memfds = new LinkedHashMap<>();

    NativeRun(Vfio vfio) {
        this.vfio = vfio;
    }

    void opened(String name, IommuContext context) {
        contexts.put(name, context);
    }

    boolean has(String context) {
        return contexts.containsKey(context);
    }

    Map<String, IommuContext> contexts() {
        return contexts;
    }

    IommuContext context(String name) {
        IommuContext c = contexts.get(name);
        if (c == null) {
            throw new IllegalStateException(
                    "iommufd context '"
                            + name
                            + "' was not opened (its iommufd_open step failed?)");
        }
        return c;
    }

    void memfd(String name, SimMemfd file) {
        memfds.put(name, file);
    }

    SimMemfd memfd(String name) {
        SimMemfd f = memfds.get(name);
        if (f == null) {
            throw new IllegalStateException(
                    "memory file '" + name + "' was not made (its memfd_create step failed?)");
        }
        return f;
    }

    void bind(String name, int id) {
        if (name != null) {
            ids.put(name, id);
        }
    }

    /** The object id a reference names (a raw id as written). */
    int id(NativeNames.Ref ref) {
        if (ref.name() == null) {
            return (int) ref.id();
        }
        Integer id = ids.get(ref.name());
        if (id == null) {
            throw new IllegalStateException(
                    "'" + ref.name() + "' was not made (the step that makes it failed?)");
        }
        return id;
    }

    /**
     * A context's state as the per-container expectations read it, or empty once closed. The
     * backend's {@code pinnedPages} counts the pages its accesses pin; a context's domains pin
     * pages too, and {@code pinned_pages} reads every distinct pinned page (its details' {@code
     * pinned}), as docs/scenarios.md says. {@code pin_references} stays the accesses' references.
     */
    Optional<BackendState> state(String name) {
        IommuContext c = contexts.get(name);
        if (c == null || !vfio.iommuContexts().contains(c)) {
            return Optional.empty();
        }
        BackendState s;
        try {
            s = c.state();
        } catch (VfioException e) {
            return Optional.empty(); // a backend that fails to report (EIO) was warned of already
        }
        long pinned = s.details().getOrDefault("pinned", 0L);
        return Optional.of(
                new BackendState(
                        s.mappings(),
                        s.mappedBytes(),
                        s.dmaAvail(),
                        pinned,
                        s.pinReferences(),
                        s.details()));
    }
}
