package io.vfio4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every trace, summary and JSON result says which backend served each container and where it came
 * from; {@code backends} marks the default of an x86 host, type1, whatever the plugins are named.
 */
class BackendReportingTest {
    /** The module's jar in a packaged build, its classes directory in a test-phase build. */
    private static final String TYPE1_ORIGIN =
            "class path: backend-type1(/target/classes|-[0-9][\\w.-]*\\.jar)";

    private static final String SPAPR_ORIGIN =
            "class path: backend-spapr-tce(/target/classes|-[0-9][\\w.-]*\\.jar)";

    @TempDir Path plugins;

    private static List<String> lines(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).toList();
    }

    @Test
    void theTraceHasABackendColumnAndTheSummaryNamesBackendAndOrigin() {
        CliRunner r = CliRunner.run("demo", "type1-1-passthrough", "spapr-v1");
        assertThat(r.exitCode).as(r.err()).isZero();
        assertThat(lines(r.out(), "locked_vm after"))
                .hasSize(2)
                .allMatch(l -> l.endsWith("pins  maps  backend"));
        assertThat(lines(r.out(), "attach group 1 to vm")).allMatch(l -> l.endsWith("  -"));
        assertThat(lines(r.out(), "SET_IOMMU TYPE1v2 on vm"))
                .singleElement()
                .asString()
                .endsWith("  type1");
        assertThat(lines(r.out(), "SET_IOMMU SPAPR_TCE on vm"))
                .singleElement()
                .asString()
                .endsWith("  spapr-tce");
        assertThat(lines(r.out(), "container  backend"))
                .hasSize(2)
                .allMatch(l -> l.contains("  origin  "));
        // The last group left, so the backend was released; the summary still says who served.
        assertThat(lines(r.out(), "vm         type1 (released)"))
                .singleElement()
                .asString()
                .containsPattern("  " + TYPE1_ORIGIN + "  ");
        assertThat(lines(r.out(), "vm         spapr-tce (released)"))
                .singleElement()
                .asString()
                .containsPattern("  " + SPAPR_ORIGIN + "  ");
    }

    @Test
    void jsonNamesTheBackendOfEveryContainerAfterEveryStepAndInTheSummary() throws IOException {
        CliRunner r = CliRunner.run("demo", "--json", "type1-1-passthrough");
        JsonNode s = new ObjectMapper().readTree(r.out()).get("scenarios").get(0);
        JsonNode vm = s.get("containers").get(0);
        assertThat(vm.get("backend").asText()).isEqualTo("type1");
        assertThat(vm.get("backendOrigin").asText()).matches(TYPE1_ORIGIN);
        assertThat(s.get("steps").get(0).get("containers").get("vm").get("backend").asText())
                .isEqualTo("-");
        assertThat(s.get("steps").get(2).get("containers").get("vm").get("backend").asText())
                .isEqualTo("type1");
    }

    @Test
    void backendsMarksType1AsTheDefaultOfAnX86HostEvenWithAPluginNamedAaa() throws IOException {
        PluginJars.provider(plugins.resolve("aaa.jar"), "aaa", "", "");
        CliRunner table = CliRunner.run("backends", "-Dvfio4j.plugin.dir=" + plugins);
        assertThat(table.exitCode).as(table.err()).isZero();
        assertThat(table.out().lines().skip(1).map(l -> l.split("\\s{2,}")[0]).toList())
                .containsExactly("type1 (default)", "aaa", "spapr-tce", "iommufd (on request)");
        assertThat(lines(table.out(), "aaa "))
                .singleElement()
                .asString()
                .contains("x86_64, ppc64, aarch64")
                .endsWith(plugins.resolve("aaa.jar").toString());
        CliRunner json = CliRunner.run("backends", "--json", "-Dvfio4j.plugin.dir=" + plugins);
        JsonNode list = new ObjectMapper().readTree(json.out());
        assertThat(list.get(0).get("name").asText()).isEqualTo("type1");
        assertThat(list.get(0).get("default").asBoolean()).isTrue();
        assertThat(list.get(0).get("builtIn").asBoolean()).isTrue();
        assertThat(list.get(0).get("origin").asText()).matches(TYPE1_ORIGIN);
        assertThat(list.get(1).get("name").asText()).isEqualTo("aaa");
        assertThat(list.get(1).get("default").asBoolean()).isFalse();
        assertThat(list.get(1).get("builtIn").asBoolean()).isFalse();
        assertThat(list.get(2).get("name").asText()).isEqualTo("spapr-tce");
        assertThat(list.get(2).get("platforms").toString()).isEqualTo("[\"ppc64\"]");
        assertThat(list.get(2).get("onRequest").asBoolean()).isFalse();
        assertThat(list.get(3).get("name").asText()).isEqualTo("iommufd");
        assertThat(list.get(3).get("onRequest").asBoolean()).isTrue();
        assertThat(list.get(3).get("types").toString()).contains("TYPE1v2");
        CliRunner configured =
                CliRunner.run(
                        "backends",
                        "-Dvfio4j.plugin.dir=" + plugins,
                        "-Dvfio4j.backend.default=aaa");
        assertThat(configured.out().lines().skip(1).map(l -> l.split("\\s{2,}")[0]).toList())
                .containsExactly("aaa (default)", "type1", "spapr-tce", "iommufd (on request)");
    }
}
