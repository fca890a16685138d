package io.vfio4j.cli.scenario;

import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.mdev.MdevDevice;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Mediated devices and hot plug: create and remove by UUID on mdev-core's bus ({@link
 * ScenarioMdevs}), plug and unplug any device.
 */
final class MdevSteps {
    private MdevSteps() {}

    static void register(Map<String, StepKind> kinds) {
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "mdev_create",
                        List.of("parent", "type", "uuid", "as"),
                        Map.of("available", Check.Unit.COUNT),
                        "create an mdev of a parent's type by UUID (result: instances still available)",
                        MdevSteps::parseCreate));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "mdev_remove",
                        List.of("mdev"),
                        Map.of("available", Check.Unit.COUNT),
                        "remove an mdev (EBUSY while its group is in a container)",
                        (f, ctx) -> new Remove(ctx.device(f.req("mdev")))));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "hotplug",
                        List.of("device", "container", "process"),
                        Map.of(),
                        "hot plug a device (PCI or mdev) into a running VM: attach its group, open it",
                        (f, ctx) ->
                                new Plug(
                                        ctx.device(f.req("device")),
                                        ctx.container(f),
                                        ctx.process(f))));
        ContainerSteps.add(
                kinds,
                new StepKind(
                        "hot_unplug",
                        List.of("device", "container"),
                        Map.of(),
                        "hot unplug a device: close it, detach its group",
                        (f, ctx) ->
                                new Unplug(
                                        ctx.device(f.req("device")),
                                        f.opt("container")
                                                .map(ctx::requireContainer)
                                                .orElse(ctx.defaultContainer()))));
    }

    private static Action parseCreate(Fields f, ParseContext ctx) {
        YNode parentNode = f.req("parent");
        String parent = parentNode.text();
        Optional<Model.MdevParentDef> p =
                ctx.host.mdevParents().stream().filter(x -> x.device().equals(parent)).findFirst();
        if (p.isEmpty()) {
            throw parentNode.error(
                    "%s: no mdev parent '%s'; declared parents: %s",
                    parentNode.what(),
                    parent,
                    ctx.host.mdevParents().stream().map(Model.MdevParentDef::device).toList());
        }
        YNode typeNode = f.req("type");
        String type =
                typeNode.choice(p.get().types().stream().map(Model.MdevTypeDef::name).toList());
        YNode uuidNode = f.req("uuid");
        String uuid = uuidNode.text();
        if (!uuid.matches(ScenarioMdevs.UUID_TEXT)) {
            throw uuidNode.error(
                    "%s: '%s' is not a UUID (8-4-4-4-12 hex digits)", uuidNode.what(), uuid);
        }
        String alias = f.opt("as").map(YNode::name).orElse(null);
        ctx.mdevs.add(ScenarioMdevs.canonicalName(uuid));
        if (alias != null) {
            ctx.mdevs.add(alias);
        }
        return new Create(parent, type, uuid, alias);
    }

    record Create(String parent, String type, String uuid, String alias) implements Action {
        @Override
        public String describe() {
            return "create mdev " + (alias != null ? alias : uuid) + " (" + type + ")";
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            MdevDevice d = run.mdevs().create(parent, type, uuid, alias);
            return Map.of("available", (long) d.type().availableInstances());
        }
    }

    record Remove(String mdev) implements Action {
        @Override
        public String describe() {
            return "remove mdev " + mdev;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            MdevDevice d = run.mdevs().remove(mdev);
            return Map.of("available", (long) d.type().availableInstances());
        }
    }

    record Plug(String device, String container, String process) implements Action {
        @Override
        public String describe() {
            return "hot plug " + device + " into " + container;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioDevice d = run.device(device);
            VfioGroup g = d.vfioGroup();
            VfioContainer c = run.container(container);
            boolean attached = false;
            if (g.container().isEmpty()) {
                g.setContainer(run.process(process), c);
                attached = true;
            }
            try {
                g.openDevice(d.name());
            } catch (RuntimeException e) {
                if (attached) {
                    g.unsetContainer();
                }
                throw e;
            }
            return Map.of();
        }
    }

    record Unplug(String device, String container) implements Action {
        @Override
        public String describe() {
            return "hot unplug " + device;
        }

        @Override
        public Map<String, Object> run(ScenarioRun run) {
            VfioDevice d = run.device(device);
            while (d.isOpen()) {
                d.close();
            }
            VfioGroup g = d.vfioGroup();
            if (g.container().isPresent() && g.devices().stream().noneMatch(VfioDevice::isOpen)) {
                g.unsetContainer();
            }
            return Map.of();
        }
    }
}
