package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names a scenario gives its {@code /dev/iommu} contexts and their objects (IOASes, HWPTs,
 * bound devices), as the parser learns them from earlier steps. An object is named where it is made
 * ({@code as:}); later steps name it, or give a raw object id (a number) for what the kernel must
 * judge: id 0, an id nothing has, an id of the wrong kind.
 */
final class NativeNames {
    /** The kinds of object a context holds. */
    enum Kind {
        IOAS("an IOAS"),
        HWPT("a HWPT"),
        DEVICE("a bound device");

        final String what;

        Kind(String what) {
            this.what = what;
        }
    }

    /** A named object: its kind and its context. */
    record Obj(Kind kind, String context) {}

    /** An object as a step names it: a scenario name, or a raw id ({@code name} null). */
    record Ref(String name, long id) {
        @Override
        public String toString() {
            return name != null ? name : "id " + Long.toUnsignedString(id & 0xffff_ffffL);
        }
    }

    /** Context name to the process that opened it. */
    private final Map<String, String> contexts = new LinkedHashMap<>();

    private final Map<String, Obj> objects = new LinkedHashMap<>();

    boolean isContext(String name) {
        return contexts.containsKey(name);
    }

    /** The only context opened so far, if exactly one. */
    Optional<String> onlyContext() {
        return contexts.size() == 1
                ? Optional.of(contexts.keySet().iterator().next())
                : Optional.empty();
    }

    /** The process that opened a context. */
    String owner(String context) {
        return contexts.get(context);
    }

    /** Whether {@code name} is an object of {@code kind} in {@code context}. */
    boolean isDefined(String name, Kind kind, String context) {
        Obj o = objects.get(name);
        return o != null && o.kind() == kind && o.context().equals(context);
    }

    /** Declares a context opened by a step; its name is unique among contexts and objects. */
    void openContext(YNode n, String name, String process) {
        unused(n, name);
        contexts.put(name, process);
    }

    /** Declares an object made by a step ({@code as:}). */
    void define(YNode n, String name, Kind kind, String context) {
        unused(n, name);
        objects.put(name, new Obj(kind, context));
    }

    private void unused(YNode n, String name) {
        if (contexts.containsKey(name) || objects.containsKey(name)) {
            throw n.error("%s: the name '%s' is already used by an earlier step", n.what(), name);
        }
    }

    /** The step's context: {@code iommufd:} or the only one opened by an earlier step. */
    String context(Fields f) {
        Optional<YNode> n = f.opt("iommufd");
        if (n.isPresent()) {
            String name = n.get().text();
            if (!contexts.containsKey(name)) {
                throw n.get()
                        .error(
                                "%s: no iommufd context named '%s' (an earlier iommufd_open step"
                                        + " opens one); opened: %s",
                                n.get().what(), name, known(contexts.keySet()));
            }
            return name;
        }
        if (contexts.size() == 1) {
            return contexts.keySet().iterator().next();
        }
        if (contexts.isEmpty()) {
            throw f.node()
                    .error(
                            "%s needs an iommufd context: open one with an earlier iommufd_open"
                                    + " step",
                            f.node().what());
        }
        throw f.node()
                .error(
                        "%s: several iommufd contexts are open (%s); say which with 'iommufd:'",
                        f.node().what(), String.join(", ", contexts.keySet()));
    }

    /**
     * An object reference: a raw id (0 to 2^32 - 1), or the name of an object of one of {@code
     * kinds} made in {@code context} by an earlier step.
     */
    Ref ref(YNode n, String context, Kind... kinds) {
        String t = n.text().trim();
        Obj o = objects.get(t);
        if (o == null && t.matches("[0-9][0-9_]*|0[xX][0-9a-fA-F_]+")) {
            return new Ref(null, n.integer(0, 0xffff_ffffL));
        }
        List<Kind> wanted = List.of(kinds);
        if (o == null || !wanted.contains(o.kind())) {
            List<String> names = new ArrayList<>();
            objects.forEach(
                    (k, v) -> {
                        if (wanted.contains(v.kind()) && v.context().equals(context)) {
                            names.add(k);
                        }
                    });
            throw n.error(
                    "%s: '%s' is not %s made by an earlier step (or a raw object id); known: %s",
                    n.what(),
                    t,
                    String.join(" or ", wanted.stream().map(k -> k.what).toList()),
                    known(names));
        }
        if (!o.context().equals(context)) {
            throw n.error(
                    "%s: '%s' belongs to iommufd context %s, not %s",
                    n.what(), t, o.context(), context);
        }
        return new Ref(t, 0);
    }

    private static String known(java.util.Collection<String> names) {
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }
}
