package io.vfio4j.cli.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every step kind, in the order the documentation lists them. */
public final class StepKinds {
    private static final Map<String, StepKind> ALL;

    static {
        Map<String, StepKind> m = new LinkedHashMap<>();
        ContainerSteps.register(m);
        IoctlSteps.register(m);
        DmaSteps.register(m);
        DeviceSteps.register(m);
        MdevSteps.register(m);
        IommufdSteps.register(m);
        IoasSteps.register(m);
        SpaprSteps.register(m);
        ProcessSteps.register(m);
        ALL = Collections.unmodifiableMap(m);
    }

    private StepKinds() {}

    static Map<String, StepKind> all() {
        return ALL;
    }

    /** Step keys with their one-line summaries (for help and documentation). */
    public static Map<String, String> summaries() {
        Map<String, String> out = new LinkedHashMap<>();
        ALL.forEach((k, v) -> out.put(k, v.summary()));
        return out;
    }
}
