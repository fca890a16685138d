package io.vfio4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vfio4j.api.IommuType;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.SimHost;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vfio4j backends}: every IOMMU backend found, in the order SET_IOMMU offers types, on an
 * x86-64 host: the default is the built-in backend serving it (type1) unless configured.
 */
@Command(
        name = "backends",
        mixinStandardHelpOptions = true,
        description = {
            "List the IOMMU backends found, in the order SET_IOMMU tries them.",
            "Backends come from the class path and the plugin directory (vfio4j.plugin.dir);",
            "VFIO_SET_IOMMU offers an IOMMU type to them in the order listed; one marked",
            "(on request) only when vfio4j.backend.default or vfio4j.backends names it.",
        },
        footer = {
            "",
            "Examples:",
            "  vfio4j backends",
            "  vfio4j backends --json",
            "  vfio4j backends -D vfio4j.plugin.dir=/opt/vfio4j/plugins",
            "",
            Vfio4jCommand.EXIT_CODES_0,
            Vfio4jCommand.EXIT_CODES_1_BACKENDS,
            Vfio4jCommand.EXIT_CODES_3,
            Vfio4jCommand.EXIT_CODES_4,
        })
final class BackendsCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin ConfigOptions config;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        VfioConfiguration cfg = config.configuration();
        try (Vfio vfio =
                Vfio.builder()
                        .host(SimHost.builder().build())
                        .configuration(cfg)
                        .withStandardSources()
                        .build()) {
            List<DiscoveredBackend> backends = vfio.backends().backends();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(
                        new ObjectMapper()
                                .enable(SerializationFeature.INDENT_OUTPUT)
                                .writeValueAsString(
                                        toJson(
                                                backends,
                                                vfio.backends()
                                                        .defaultBackend()
                                                        .map(DiscoveredBackend::name)
                                                        .orElse(""))));
            } else {
                printTable(
                        out,
                        backends,
                        vfio.backends().defaultBackend().map(DiscoveredBackend::name).orElse(""));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    private static List<Map<String, Object>> toJson(
            List<DiscoveredBackend> backends, String defaultName) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (DiscoveredBackend b : backends) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", b.name());
            m.put("default", b.name().equals(defaultName));
            m.put("onRequest", b.offeredOnlyWhenConfigured());
            m.put(
                    "types",
                    types(b).stream()
                            .map(t -> Map.of("name", t.name(), "id", t.id()))
                            .collect(Collectors.toList()));
            m.put("spi", b.spiVersion().toString());
            m.put("version", b.version());
            m.put("origin", b.origin());
            m.put("builtIn", b.builtIn());
            m.put("platforms", platforms(b));
            m.put("settings", b.settingKeys().stream().sorted().collect(Collectors.toList()));
            list.add(m);
        }
        return list;
    }

    private static List<IommuType> types(DiscoveredBackend b) {
        return b.types().stream()
                .sorted((x, y) -> Integer.compare(x.id(), y.id()))
                .collect(Collectors.toList());
    }

    private static List<String> platforms(DiscoveredBackend b) {
        return b.platforms().stream()
                .sorted()
                .map(p -> p.name().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.toList());
    }

    /** "(default)", or "(on request)" for a backend offered a type only when configured. */
    private static String mark(DiscoveredBackend b, String defaultName) {
        if (b.name().equals(defaultName)) {
            return " (default)";
        }
        return b.offeredOnlyWhenConfigured() ? " (on request)" : "";
    }

    private static void printTable(
            PrintWriter out, List<DiscoveredBackend> backends, String defaultName) {
        if (backends.isEmpty()) {
            out.println("No IOMMU backend found.");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "IOMMU TYPES", "PLATFORMS", "SPI", "VERSION", "ORIGIN"});
        for (DiscoveredBackend b : backends) {
            rows.add(
                    new String[] {
                        b.name() + mark(b, defaultName),
                        types(b).stream()
                                .map(t -> t.name() + "(" + t.id() + ")")
                                .collect(Collectors.joining(", ")),
                        String.join(", ", platforms(b)),
                        b.spiVersion().toString(),
                        b.version(),
                        b.origin(),
                    });
        }
        Table.print(out, rows);
    }
}
