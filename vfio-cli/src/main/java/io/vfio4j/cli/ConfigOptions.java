package io.vfio4j.cli;

import io.vfio4j.core.VfioConfiguration;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every subcommand shares: the configuration file and {@code -D} overrides. */
final class ConfigOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Read settings from FILE instead of ./vfio4j.properties.")
    Path configFile;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "Set a vfio4j.* setting; repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** Defaults < properties file < -Dvfio4j.* system properties < command-line -D. */
    VfioConfiguration configuration() {
        return configuration(Map.of());
    }

    /**
     * As {@link #configuration()}, with a scenario's own keys between the system properties and the
     * command line's -D.
     */
    VfioConfiguration configuration(Map<String, String> scenarioKeys) {
        return configuration(scenarioKeys, Map.of());
    }

    /**
     * As above, with {@code forced} keys over everything (a comparison run's backend), from {@code
     * --compare}.
     */
    VfioConfiguration configuration(Map<String, String> scenarioKeys, Map<String, String> forced) {
        VfioConfiguration.Builder b = VfioConfiguration.builder();
        java.util.Properties system = new java.util.Properties();
        system.putAll(System.getProperties());
        if (configFile != null) {
            system.setProperty(VfioConfiguration.CONFIG_FILE, configFile.toString());
        }
        b.loadStandardSources(system);
        b.putAll(scenarioKeys, "scenario");
        b.putAll(overrides, "command line");
        b.putAll(forced, "--compare");
        return b.build();
    }
}
