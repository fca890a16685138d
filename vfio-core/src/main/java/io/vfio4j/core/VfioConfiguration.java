package io.vfio4j.core;

import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioConfigurationException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The runtime's configuration. {@link #load()} stacks built-in defaults, a {@code
 * vfio4j.properties} file and {@code -Dvfio4j.*} system properties (the command line adds its own
 * flags on top); a runtime reads those only when it asks for them ({@code
 * Vfio.builder().withStandardSources()}), else it uses exactly the configuration it is given. Only
 * keys starting with {@code vfio4j.} are read. Unknown keys are refused at start-up (see {@link
 * #validate}), so a typo never silently falls back to a default.
 *
 * <p>Keys:
 *
 * <ul>
 *   <li>{@code vfio4j.config}: the properties file to read (default {@code vfio4j.properties} in
 *       the working directory, if it exists)
 *   <li>{@code vfio4j.plugin.dir}: the plugin directory (default {@code plugins})
 *   <li>{@code vfio4j.backends}: optional ordered allow-list of backend names, comma separated
 *   <li>{@code vfio4j.backend.default}: the backend a container uses when set up by name
 *   <li>{@code vfio4j.backend.<name>.<key>}: a setting passed to backend {@code <name>}
 *   <li>{@code vfio4j.plugin.discovery-timeout}: how long one backend source (the class path, the
 *       plugin directory) may take to construct and describe its providers before discovery refuses
 *       it: {@code 5s} (the default), {@code 500ms}; a bare number is seconds
 *   <li>{@code vfio4j.kernel}: the kernel era whose answers the backends give where mainline
 *       changed them ({@code 6.16}, the default; {@code 6.18}; {@code 5.0}): see {@link #kernel()}
 *   <li>{@code vfio4j.check-invariants}: check the accounting invariants after every operation
 *   <li>{@code vfio4j.long}: run long property and stress tests (read by tests only)
 *   <li>{@code vfio4j.oracle.*}: the real-kernel oracle's own settings, ignored by the runtime
 * </ul>
 */
public final class VfioConfiguration {
    public static final String PREFIX = "vfio4j.";
    public static final String CONFIG_FILE = "vfio4j.config";
    public static final String PLUGIN_DIR = "vfio4j.plugin.dir";
    public static final String BACKENDS = "vfio4j.backends";
    public static final String DEFAULT_BACKEND = "vfio4j.backend.default";
    public static final String BACKEND_PREFIX = "vfio4j.backend.";
    public static final String DISCOVERY_TIMEOUT = "vfio4j.plugin.discovery-timeout";
    public static final Duration DEFAULT_DISCOVERY_TIMEOUT = Duration.ofSeconds(5);
    public static final String CHECK_INVARIANTS = "vfio4j.check-invariants";
    public static final String LONG_RUNS = "vfio4j.long";
    public static final String KERNEL = "vfio4j.kernel";

    /**
     * Settings of the real-kernel oracle ({@code vfio4j.oracle.cache}, {@code .refresh}, {@code
     * .accel}, {@code .seed}): read by the oracle, ignored by the runtime, so that passing one as a
     * system property (as the build does for the oracle's tests) refuses nothing.
     */
    public static final String ORACLE_PREFIX = "vfio4j.oracle.";

    private static final Set<String> RUNTIME_KEYS =
            Set.of(
                    CONFIG_FILE,
                    PLUGIN_DIR,
                    DISCOVERY_TIMEOUT,
                    BACKENDS,
                    DEFAULT_BACKEND,
                    CHECK_INVARIANTS,
                    KERNEL,
                    LONG_RUNS);

    private final Map<String, String> values;
    private final Map<String, String> origins;

    private VfioConfiguration(Map<String, String> values, Map<String, String> origins) {
        this.values = Map.copyOf(values);
        this.origins = Map.copyOf(origins);
    }

    /** No keys set: every default. */
    public static VfioConfiguration defaults() {
        return new VfioConfiguration(Map.of(), Map.of());
    }

    /** Exactly these keys, e.g. for tests and embedding. */
    public static VfioConfiguration of(Map<String, String> values) {
        return builder().putAll(values, "explicit").build();
    }

    /**
     * The usual stack: the properties file (from {@code vfio4j.config} or ./vfio4j.properties),
     * then the {@code vfio4j.*} system properties.
     */
    public static VfioConfiguration load() {
        return builder().loadStandardSources(System.getProperties()).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** Where a key's value came from: a file path, "system property" or "explicit". */
    public String origin(String key) {
        return origins.getOrDefault(key, "default");
    }

    public Path pluginDirectory() {
        return Path.of(values.getOrDefault(PLUGIN_DIR, "plugins"));
    }

    /** The allow-list, in order; empty if every discovered backend is allowed. */
    public List<String> allowedBackends() {
        String list = values.get(BACKENDS);
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableList());
    }

    public Optional<String> defaultBackend() {
        return get(DEFAULT_BACKEND).map(String::trim).filter(s -> !s.isEmpty());
    }

    /**
     * {@code vfio4j.plugin.discovery-timeout}: {@code 5s}, {@code 500ms}, or a bare number of
     * seconds.
     *
     * @throws VfioConfigurationException if the value is not a positive duration
     */
    public Duration discoveryTimeout() {
        String v = values.get(DISCOVERY_TIMEOUT);
        if (v == null) {
            return DEFAULT_DISCOVERY_TIMEOUT;
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d{1,9})\\s*(ms|s)?").matcher(v.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = "ms".equals(m.group(2)) ? Duration.ofMillis(n) : Duration.ofSeconds(n);
            if (!d.isZero()) {
                return d;
            }
        }
        throw new VfioConfigurationException(
                String.format(
                        Locale.ROOT,
                        "%s = '%s' (from %s) is not a positive duration such as 5s or 500ms",
                        DISCOVERY_TIMEOUT,
                        v,
                        origin(DISCOVERY_TIMEOUT)));
    }

    /**
     * {@code vfio4j.kernel}: the era handed to every backend ({@link
     * io.vfio4j.api.DriverContext#kernel()}); the core gives it no meaning of its own.
     *
     * @throws VfioConfigurationException if the value is not a release such as 6.16
     */
    public KernelVersion kernel() {
        String v = values.get(KERNEL);
        if (v == null) {
            return KernelVersion.BASELINE;
        }
        try {
            return KernelVersion.parse(v);
        } catch (IllegalArgumentException e) {
            throw new VfioConfigurationException(
                    String.format(
                            Locale.ROOT,
                            "%s (from %s): %s",
                            KERNEL,
                            origin(KERNEL),
                            e.getMessage()));
        }
    }

    public boolean checkInvariants() {
        return parseBoolean(CHECK_INVARIANTS, false);
    }

    /** The settings of one backend, keys without the {@code vfio4j.backend.<name>.} prefix. */
    public Map<String, String> backendSettings(String backend) {
        String prefix = BACKEND_PREFIX + backend + ".";
        Map<String, String> out = new TreeMap<>();
        values.forEach(
                (k, v) -> {
                    if (k.startsWith(prefix) && !k.equals(DEFAULT_BACKEND)) {
                        out.put(k.substring(prefix.length()), v);
                    }
                });
        return out;
    }

    /** Every key under {@code vfio4j.backend.} other than the default, for validation. */
    Map<String, String> allBackendSettingKeys() {
        Map<String, String> out = new TreeMap<>();
        values.keySet().stream()
                .filter(k -> k.startsWith(BACKEND_PREFIX) && !k.equals(DEFAULT_BACKEND))
                .forEach(k -> out.put(k, origin(k)));
        return out;
    }

    /**
     * Refuses keys nobody reads. Backend keys are checked against the discovered backends and their
     * declared setting keys.
     *
     * @param backendKeys for each known backend name, the setting keys it accepts
     * @throws VfioConfigurationException naming every unknown key, where it came from, and what is
     *     accepted
     */
    public void validate(Map<String, Set<String>> backendKeys) {
        List<String> problems = new ArrayList<>();
        for (String key : new TreeMap<>(values).keySet()) {
            if (RUNTIME_KEYS.contains(key) || key.startsWith(ORACLE_PREFIX)) {
                continue;
            }
            if (key.startsWith(BACKEND_PREFIX)) {
                String rest = key.substring(BACKEND_PREFIX.length());
                int dot = rest.indexOf('.');
                String backend = dot < 0 ? rest : rest.substring(0, dot);
                String setting = dot < 0 ? "" : rest.substring(dot + 1);
                Set<String> accepted = backendKeys.get(backend);
                if (accepted == null) {
                    problems.add(
                            String.format(
                                    Locale.ROOT,
                                    "%s (from %s): no backend named '%s'; known backends: %s",
                                    key,
                                    origin(key),
                                    backend,
                                    new TreeMap<>(backendKeys).keySet()));
                } else if (!accepted.contains(setting)) {
                    problems.add(
                            String.format(
                                    Locale.ROOT,
                                    "%s (from %s): backend '%s' has no setting '%s'; its settings: %s",
                                    key,
                                    origin(key),
                                    backend,
                                    setting,
                                    accepted.stream().sorted().collect(Collectors.toList())));
                }
                continue;
            }
            problems.add(
                    String.format(
                            Locale.ROOT,
                            "%s (from %s) is not a vfio4j setting; known settings: %s, %s<name>.<key>",
                            key,
                            origin(key),
                            RUNTIME_KEYS.stream().sorted().collect(Collectors.joining(", ")),
                            BACKEND_PREFIX));
        }
        if (!problems.isEmpty()) {
            throw new VfioConfigurationException(
                    "Unknown configuration keys:\n  " + String.join("\n  ", problems));
        }
        parseBoolean(CHECK_INVARIANTS, false);
        discoveryTimeout();
        kernel();
    }

    private boolean parseBoolean(String key, boolean defaultValue) {
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
                        key + " = '" + v + "' (from " + origin(key) + ") is not true or false");
        }
    }

    @Override
    public String toString() {
        return "VfioConfiguration" + new TreeMap<>(values);
    }

    /** Collects keys from sources in increasing priority: a later put overrides an earlier one. */
    public static final class Builder {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Map<String, String> origins = new LinkedHashMap<>();

        private Builder() {}

        public Builder put(String key, String value, String origin) {
            if (key.startsWith(PREFIX)) {
                values.put(key, value);
                origins.put(key, origin);
            }
            return this;
        }

        public Builder putAll(Map<String, String> map, String origin) {
            map.forEach((k, v) -> put(k, v, origin));
            return this;
        }

        public Builder putAll(Properties properties, String origin) {
            for (String name : properties.stringPropertyNames()) {
                put(name, properties.getProperty(name), origin);
            }
            return this;
        }

        /**
         * Reads the properties file, then the system properties. The file named by {@code
         * vfio4j.config} must exist; the default ./vfio4j.properties is optional.
         */
        public Builder loadStandardSources(Properties systemProperties) {
            String explicit = systemProperties.getProperty(CONFIG_FILE);
            Path file = Path.of(explicit != null ? explicit : "vfio4j.properties");
            if (Files.isRegularFile(file)) {
                loadFile(file);
            } else if (explicit != null) {
                throw new VfioConfigurationException(
                        "Configuration file "
                                + file.toAbsolutePath()
                                + " (from -D"
                                + CONFIG_FILE
                                + ") does not exist");
            }
            return putAll(systemProperties, "system property");
        }

        public Builder loadFile(Path file) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new VfioConfigurationException(
                        "Cannot read configuration file " + file + ": " + e.getMessage(), e);
            }
            return putAll(p, file.toString());
        }

        public VfioConfiguration build() {
            return new VfioConfiguration(values, origins);
        }
    }
}
