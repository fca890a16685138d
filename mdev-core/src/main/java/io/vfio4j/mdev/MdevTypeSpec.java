package io.vfio4j.mdev;

import java.util.Objects;

/**
 * A type of mediated device as a vendor driver declares it when it registers a parent: what sysfs
 * shows under {@code mdev_supported_types/<driver>-<sysfsName>/}.
 *
 * @param sysfsName the type's short name, e.g. {@code "v100-4q"}; the full type name is {@code
 *     <driver>-<sysfsName>}
 * @param description the text of the type's {@code description} attribute
 * @param maxInstances how many devices of this type the parent can host at once: the initial {@code
 *     available_instances}
 */
public record MdevTypeSpec(String sysfsName, String description, int maxInstances) {
    /**
     * What a type's short name may contain: a sysfs directory name, kept simple (letters, digits,
     * '_', '.', '-' and ':').
     */
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.:-]*";

    public MdevTypeSpec {
        Objects.requireNonNull(sysfsName, "sysfsName");
        Objects.requireNonNull(description, "description");
        if (!sysfsName.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException(
                    "mdev type name '" + sysfsName + "' does not match " + NAME_PATTERN);
        }
        if (maxInstances < 0) {
            throw new IllegalArgumentException(
                    "mdev type " + sysfsName + ": negative instance count " + maxInstances);
        }
    }
}
