package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.VfioConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VfioConfigurationTest {
    @Test
    void defaults() {
        VfioConfiguration c = VfioConfiguration.defaults();
        assertThat(c.pluginDirectory()).isEqualTo(Path.of("plugins"));
        assertThat(c.allowedBackends()).isEmpty();
        assertThat(c.defaultBackend()).isEmpty();
        assertThat(c.checkInvariants()).isFalse();
    }

    @Test
    void systemPropertiesOverrideTheFileAndExplicitValuesOverrideBoth(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("vfio4j.properties");
        Files.writeString(
                file,
                "vfio4j.backend.default=spapr-tce\nvfio4j.backends=type1,spapr-tce\nother.key=ignored\n");
        Properties system = new Properties();
        system.setProperty("vfio4j.config", file.toString());
        system.setProperty("vfio4j.backend.default", "type1");
        system.setProperty("java.version", "17");
        VfioConfiguration c =
                VfioConfiguration.builder()
                        .loadStandardSources(system)
                        .putAll(Map.of("vfio4j.backend.type1.strict-unpin", "true"), "command line")
                        .build();
        assertThat(c.defaultBackend()).contains("type1");
        assertThat(c.origin("vfio4j.backend.default")).isEqualTo("system property");
        assertThat(c.allowedBackends()).containsExactly("type1", "spapr-tce");
        assertThat(c.origin("vfio4j.backends")).isEqualTo(file.toString());
        assertThat(c.backendSettings("type1")).containsExactly(Map.entry("strict-unpin", "true"));
        assertThat(c.get("other.key")).isEmpty();
    }

    @Test
    void aMissingExplicitFileIsAnError(@TempDir Path dir) {
        Properties system = new Properties();
        system.setProperty("vfio4j.config", dir.resolve("nope.properties").toString());
        assertThatThrownBy(() -> VfioConfiguration.builder().loadStandardSources(system))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("nope.properties (from -Dvfio4j.config) does not exist");
    }

    @Test
    void theOraclesOwnSettingsAreIgnoredAndNothingElseIs() {
        VfioConfiguration.of(
                        Map.of(
                                "vfio4j.oracle.cache", "/tmp/oracle",
                                "vfio4j.oracle.seed", "7"))
                .validate(Map.of());
        assertThatThrownBy(
                        () ->
                                VfioConfiguration.of(Map.of("vfio4j.oraclecache", "x"))
                                        .validate(Map.of()))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("vfio4j.oraclecache (from ");
    }
}
