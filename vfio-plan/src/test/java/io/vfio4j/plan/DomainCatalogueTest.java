package io.vfio4j.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every domain XML under {@code src/test/resources/domains/} against the expectation worked out by
 * hand beside it ({@code NAME.expected.md}: the arithmetic, then an {@code expect:} line the test
 * reads, and optionally an {@code options:} line).
 */
class DomainCatalogueTest {
    static final Path DIR = Path.of("src/test/resources/domains");

    static Stream<String> domains() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".xml"))
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @Test
    void theCatalogueCoversThirtyDomainsOnEveryPlatform() throws IOException {
        List<String> names = domains().toList();
        assertThat(names).hasSizeGreaterThanOrEqualTo(30);
        for (String prefix : List.of("x86-pc-", "x86-q35-", "aarch64-virt-", "pseries-")) {
            assertThat(names).anyMatch(n -> n.startsWith(prefix));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("domains")
    void planMatchesTheHandWorkedExpectation(String name) throws IOException {
        Map<String, String> expect = keyValues(name, "expect:");
        Map<String, String> options = keyValues(name, "options:");
        Planner.Options o = options(options);
        PlanResult r = Planner.plan(DomainXmlParser.parse(DIR.resolve(name + ".xml")), o);

        assertThat(r.steps().get(0).libvirt().bytes())
                .as("libvirt limit")
                .isEqualTo(Long.parseLong(expect.get("libvirt")));
        assertThat(r.peakLockedVmBytes())
                .as("locked_vm")
                .isEqualTo(Long.parseLong(expect.get("locked_vm")));
        assertThat(r.peakPinnedVmBytes())
                .as("pinned_vm")
                .isEqualTo(Long.parseLong(expect.get("pinned_vm")));
        assertThat(r.verdict().name()).as("verdict").isEqualTo(expect.get("verdict"));
        if (expect.containsKey("containers")) {
            assertThat(
                            r.steps().get(0).containers().stream()
                                    .filter(c -> !c.counter().equals("pinned_vm"))
                                    .count())
                    .as("containers (vhost-vdpa devices are not)")
                    .isEqualTo(Long.parseLong(expect.get("containers")));
        }
        if (expect.containsKey("user_locked_vm_charged")) {
            assertThat(
                            r.steps().get(0).containers().stream()
                                    .filter(c -> c.counter().equals("user locked_vm"))
                                    .mapToLong(ContainerCharge::chargedBytes)
                                    .sum())
                    .as("charged to the user's locked_vm by iommufd containers")
                    .isEqualTo(Long.parseLong(expect.get("user_locked_vm_charged")));
        }
        if (expect.containsKey("failure")) {
            String[] f = expect.get("failure").split("/");
            assertThat(r.firstFailing().flatMap(StepResult::failure))
                    .as("first refused call")
                    .hasValueSatisfying(
                            x -> {
                                assertThat(x.device()).isEqualTo(f[0]);
                                assertThat(x.errno()).isEqualTo(f[1]);
                            });
        } else {
            assertThat(r.firstFailing().flatMap(StepResult::failure)).isEmpty();
        }
    }

    static Planner.Options options(Map<String, String> o) {
        LibvirtEra era = LibvirtEra.ofLabel(o.getOrDefault("era", "current")).orElseThrow();
        long ws = Sizes.parseBytes(o.getOrDefault("mdev-working-set", "0"));
        List<LifecycleStep> steps = new ArrayList<>();
        if (o.containsKey("then")) {
            for (String s : o.get("then").split(";")) {
                LifecycleStep step = LifecycleStep.parse(s);
                if (step instanceof LifecycleStep.Hotplug h) {
                    step = new LifecycleStep.Hotplug(DIR.resolve(h.file()));
                }
                steps.add(step);
            }
        }
        return new Planner.Options(era, ws, Planner.Options.DEFAULT_INHERITED, steps);
    }

    /** The {@code key=value} words of the line starting with {@code prefix}. */
    static Map<String, String> keyValues(String name, String prefix) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line :
                Files.readAllLines(DIR.resolve(name + ".expected.md"), StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (t.startsWith(prefix)) {
                for (String word : t.substring(prefix.length()).trim().split("\\s+")) {
                    int eq = word.indexOf('=');
                    out.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
        }
        if (prefix.equals("expect:") && out.isEmpty()) {
            throw new AssertionError(name + ".expected.md has no expect: line");
        }
        return out;
    }
}
