package io.vfio4j.cli.scenario;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.VfioGroup;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mediated devices of a scenario: parents with their types and available instances, and the
 * mdevs created by UUID. Creating an mdev gives it an emulated VFIO group (as binding it to
 * vfio-mdev does); removing it removes the group, which must first leave its container.
 */
final class MdevRegistry {
    private final ScenarioRun run;
    private final Map<String, Map<String, int[]>> available = new LinkedHashMap<>();
    private final Map<String, Model.MdevTypeDef> types = new LinkedHashMap<>();
    private final Map<String, Instance> byName = new LinkedHashMap<>();

    /** A created mdev. */
    record Instance(
            String uuid,
            String alias,
            String parent,
            String type,
            VfioGroup group,
            ScenarioVendor vendor) {
        String label() {
            return alias != null ? alias : uuid;
        }
    }

    MdevRegistry(ScenarioRun run, List<Model.MdevParentDef> parents) {
        this.run = run;
        for (Model.MdevParentDef p : parents) {
            Map<String, int[]> t = new LinkedHashMap<>();
            for (Model.MdevTypeDef type : p.types()) {
                t.put(type.name(), new int[] {type.instances()});
                types.put(p.device() + "/" + type.name(), type);
            }
            available.put(p.device(), t);
        }
    }

    /**
     * Creates an mdev.
     *
     * @throws VfioException EEXIST for a UUID in use; EUSERS when the type has no instance left (as
     *     mdev_device_create since 6.1)
     */
    Instance create(String parent, String type, String uuid, String alias) {
        if (find(uuid).isPresent() || (alias != null && find(alias).isPresent())) {
            throw VfioException.of(Errno.EEXIST, "an mdev %s exists already", uuid);
        }
        int[] left = available.get(parent).get(type);
        if (left[0] == 0) {
            throw VfioException.of(
                    Errno.EUSERS, "mdev type %s of %s has no available instance", type, parent);
        }
        Model.MdevTypeDef def = types.get(parent + "/" + type);
        ScenarioVendor vendor = new ScenarioVendor(def.vendor(), run.pageSize());
        VfioGroup group = run.createEmulatedGroup(uuid, vendor);
        left[0]--;
        Instance i = new Instance(uuid, alias, parent, type, group, vendor);
        byName.put(uuid, i);
        if (alias != null) {
            byName.put(alias, i);
        }
        return i;
    }

    /**
     * Removes an mdev.
     *
     * @throws VfioException EBUSY while its group is in a container or its device is open
     */
    void remove(String name) {
        Instance i = require(name);
        run.vfio().removeVirtualGroup(i.group());
        byName.values().removeIf(x -> x == i);
        available.get(i.parent()).get(i.type())[0]++;
    }

    int available(String parent, String type) {
        return available.get(parent).get(type)[0];
    }

    Optional<Instance> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    Instance require(String name) {
        return find(name)
                .orElseThrow(() -> VfioException.of(Errno.ENODEV, "no mdev %s (removed?)", name));
    }
}
