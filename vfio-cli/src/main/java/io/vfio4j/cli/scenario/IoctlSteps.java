package io.vfio4j.cli.scenario;

import io.vfio4j.api.command.VfioCommand;
import java.util.List;
import java.util.Map;

/**
 * A container ioctl by number ({@code _IO(VFIO_TYPE, VFIO_BASE + number)}), for what no typed step
 * says: GET_API_VERSION (number 0), and numbers neither the core nor any IOMMU backend defines,
 * which the kernel passes to the backend (container.c {@code vfio_fops_unl_ioctl}): ENOTTY from
 * type1 and SPAPR ({@code vfio_iommu_type1_ioctl}, {@code tce_iommu_ioctl}), EINVAL before
 * SET_IOMMU, and EPERM from a foreign process once SPAPR cached its mm.
 */
final class IoctlSteps {
    private IoctlSteps() {}

    /** Numbers a typed step sends: CHECK_EXTENSION, SET_IOMMU and the IOMMU ioctls 12 to 21. */
    static final Map<Integer, String> TYPED =
            Map.ofEntries(
                    Map.entry(1, "check_extension"),
                    Map.entry(2, "set_iommu"),
                    Map.entry(12, "get_info or spapr_get_info"),
                    Map.entry(13, "map"),
                    Map.entry(14, "unmap"),
                    Map.entry(15, "spapr_enable"),
                    Map.entry(16, "spapr_disable"),
                    Map.entry(17, "dirty_pages or spapr_register"),
                    Map.entry(18, "spapr_unregister"),
                    Map.entry(19, "spapr_tce_create"),
                    Map.entry(20, "spapr_tce_remove"),
                    Map.entry(21, "eeh"));

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "ioctl",
                        List.of("number", "container", "process"),
                        Map.of("value", Check.Unit.COUNT),
                        "a container ioctl by number: 0 GET_API_VERSION (result value), or a"
                                + " number nothing defines",
                        IoctlSteps::parse));
    }

    private static Action parse(Fields f, ParseContext ctx) {
        YNode n = f.req("number");
        int number = n.intValue(0, 255);
        String typed = TYPED.get(number);
        if (typed != null) {
            throw n.error("%s: ioctl %d has a step of its own: use %s", n.what(), number, typed);
        }
        return new Ioctl(ctx.container(f), ctx.process(f), number);
    }

    /** A container ioctl that carries no structure the model knows. */
    record Unknown(int number) implements VfioCommand<Void> {
        @Override
        public String ioctlName() {
            return "_IO(';', 100 + " + number + ")";
        }
    }

    record Ioctl(String container, String process, int number) implements Action {
        @Override
        public String describe() {
            return (number == 0 ? "GET_API_VERSION" : "ioctl " + number) + " on " + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            if (number == 0) {
                return Map.of("value", (long) run.container(container).apiVersion());
            }
            run.container(container).ioctl(run.process(process), new Unknown(number));
            return Map.of();
        }
    }
}
