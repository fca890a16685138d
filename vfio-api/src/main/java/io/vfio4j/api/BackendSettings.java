package io.vfio4j.api;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The settings of one backend, from {@code vfio4j.backend.<name>.<key>} (keys without the prefix).
 * The runtime has already refused keys the provider did not declare in {@link
 * VfioIommuDriverProvider#settingKeys()}; the typed getters refuse malformed values with a {@link
 * VfioConfigurationException} naming the key.
 */
public final class BackendSettings {
    private final String backend;
    private final Map<String, String> values;

    public BackendSettings(String backend, Map<String, String> values) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.values = Map.copyOf(values);
    }

    public static BackendSettings empty(String backend) {
        return new BackendSettings(backend, Map.of());
    }

    /** All settings, sorted by key. */
    public Map<String, String> asMap() {
        return new TreeMap<>(values);
    }

    public String get(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    public long getLong(String key, long defaultValue, long min, long max) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        long parsed;
        try {
            parsed = Long.decode(v.trim());
        } catch (NumberFormatException e) {
            throw new VfioConfigurationException(
                    prefix(key) + " = '" + v + "' is not a whole number", e);
        }
        if (parsed < min || parsed > max) {
            throw new VfioConfigurationException(
                    prefix(key) + " = " + parsed + " is outside [" + min + ", " + max + "]");
        }
        return parsed;
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new VfioConfigurationException(
                        prefix(key) + " = '" + v + "' is not true or false");
        }
    }

    private String prefix(String key) {
        return "vfio4j.backend." + backend + "." + key;
    }

    @Override
    public String toString() {
        return "BackendSettings[" + backend + " " + asMap() + "]";
    }
}
