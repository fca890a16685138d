package io.vfio4j.cli.scenario;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.Vfio;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevType;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.MdevVendorDriver;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A scenario's mediated devices, kept by mdev-core: every declared parent is registered on the
 * run's {@link MdevBus} with a {@link ScriptedVendor} whose types behave as declared, and mdevs are
 * created and removed on that bus. This class only translates the scenario's names: its type names
 * to mdev-core types, and the aliases ({@code as:}) of mdev_create steps to UUIDs.
 */
final class ScenarioMdevs {
    /** The UUID text mdev_create accepts (the kernel's uuid_is_valid); any letter case. */
    static final String UUID_TEXT =
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    /** The driver of parents whose type names do not share one {@code <driver>-} prefix. */
    private static final String FALLBACK_DRIVER = "scenario";

    private final MdevBus bus;
    private final Map<String, Map<String, MdevType>> types = new LinkedHashMap<>();
    private final Map<String, UUID> aliases = new HashMap<>();

    ScenarioMdevs(Vfio vfio, long pageSize, List<Model.MdevParentDef> parents) {
        this.bus = new MdevBus(vfio);
        for (Model.MdevParentDef p : parents) {
            register(p, pageSize);
        }
    }

    /**
     * Registers a parent. A kernel type name is {@code <driver>-<name>}: when every declared type
     * name has that form with one driver (i915-GVTg_V5_4), mdev-core's names are the scenario's;
     * otherwise the driver is {@value #FALLBACK_DRIVER} and mdev-core prefixes it.
     */
    private void register(Model.MdevParentDef p, long pageSize) {
        String driver = commonDriver(p.types()).orElse(FALLBACK_DRIVER);
        Map<String, String> sysfsNames = new LinkedHashMap<>();
        Map<String, VendorBehaviour> behaviours = new HashMap<>();
        List<MdevTypeSpec> specs = new ArrayList<>();
        for (Model.MdevTypeDef t : p.types()) {
            String sysfs = sysfsName(driver, t.name());
            sysfsNames.put(t.name(), sysfs);
            behaviours.put(sysfs, t.vendor());
            specs.add(new MdevTypeSpec(sysfs, t.name(), t.instances()));
        }
        MdevParent parent =
                bus.registerParent(
                        p.device(), new ScriptedVendor(driver, pageSize, behaviours), specs);
        Map<String, MdevType> byName = new LinkedHashMap<>();
        sysfsNames.forEach(
                (name, sysfs) -> byName.put(name, parent.requireType(driver + "-" + sysfs)));
        types.put(p.device(), byName);
    }

    private static Optional<String> commonDriver(List<Model.MdevTypeDef> defs) {
        String driver = null;
        for (Model.MdevTypeDef t : defs) {
            int dash = t.name().indexOf('-');
            String d = dash > 0 ? t.name().substring(0, dash) : "";
            if (!d.matches(MdevVendorDriver.NAME_PATTERN)
                    || !t.name().substring(dash + 1).matches(MdevTypeSpec.NAME_PATTERN)
                    || (driver != null && !driver.equals(d))) {
                return Optional.empty();
            }
            driver = d;
        }
        return Optional.ofNullable(driver);
    }

    private static String sysfsName(String driver, String name) {
        return driver.equals(FALLBACK_DRIVER) ? name : name.substring(driver.length() + 1);
    }

    MdevBus bus() {
        return bus;
    }

    /** The mdev-core type a scenario's parent and type name refer to (both checked at parse). */
    MdevType type(String parent, String type) {
        return types.get(parent).get(type);
    }

    /**
     * Creates an mdev through the bus ({@code mdev_device_create}).
     *
     * @throws VfioException EEXIST for an alias or UUID in use (a UUID in any letter case); EUSERS
     *     when the type has no instance left
     */
    MdevDevice create(String parent, String type, String uuid, String alias) {
        if (alias != null && find(alias).isPresent()) {
            throw VfioException.of(Errno.EEXIST, "an mdev named %s exists already", alias);
        }
        MdevDevice d = bus.create(type(parent, type), uuid);
        if (alias != null) {
            aliases.put(alias, d.uuid());
        }
        return d;
    }

    /**
     * Removes an mdev through the bus.
     *
     * @throws VfioException ENODEV for a removed mdev; EBUSY while it is open or in a container
     */
    MdevDevice remove(String name) {
        MdevDevice d = require(name);
        bus.remove(d.uuid());
        aliases.values().removeIf(u -> u.equals(d.uuid()));
        return d;
    }

    /** The live mdev an alias or UUID (any letter case) names. */
    Optional<MdevDevice> find(String name) {
        UUID uuid = aliases.get(name);
        if (uuid == null && name.matches(UUID_TEXT)) {
            uuid = UUID.fromString(name);
        }
        return uuid == null ? Optional.empty() : bus.device(uuid);
    }

    MdevDevice require(String name) {
        return find(name)
                .orElseThrow(() -> VfioException.of(Errno.ENODEV, "no mdev %s (removed?)", name));
    }

    /** The scripted vendor device behind an mdev, if {@code name} names one. */
    Optional<ScriptedDevice> vendor(String name) {
        return find(name).map(ScriptedVendor::of);
    }

    /** How parse-time name sets key an mdev: a UUID in lower case, an alias as written. */
    static String canonicalName(String name) {
        return name.matches(UUID_TEXT) ? name.toLowerCase(Locale.ROOT) : name;
    }
}
