package io.vfio4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.host.SimHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The provider contract (docs/reference/plugins.md §4.2): a valid name, a loadable SPI version, a
 * services file in the provider's own jar, a consistent description, a CHECK_EXTENSION that never
 * fails, and {@code open()} calls that are cheap and independent.
 */
public interface ProviderContractSuite extends BackendUnderTest {
    /** Extensions probed: every uAPI number vfio4j knows, neighbours, and nonsense. */
    long[] PROBED_EXTENSIONS = {
        Long.MIN_VALUE,
        -1,
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        16,
        255,
        1L << 32,
        Long.MAX_VALUE
    };

    @Test
    default void nameMatchesTheSpiPattern() {
        assertThat(backend().provider().name()).matches(VfioIommuDriverProvider.NAME_PATTERN);
    }

    @Test
    default void spiVersionIsLoadableByThisRuntime() {
        assertThat(backend().provider().spiVersion().isLoadableBy(VfioSpi.runtime()))
                .as(
                        "provider SPI %s, runtime %s",
                        backend().provider().spiVersion(), VfioSpi.runtime())
                .isTrue();
    }

    @Test
    default void theServicesFileInTheProvidersOwnJarNamesIt() throws IOException {
        Class<?> type = backend().provider().getClass();
        List<String> named = servicesEntries(type);
        assertThat(named)
                .as(
                        "META-INF/services/%s next to %s",
                        VfioIommuDriverProvider.class.getName(), type.getName())
                .contains(type.getName());
    }

    @Test
    default void theDescriptionIsConsistentAndStable() {
        VfioIommuDriverProvider p = backend().provider();
        assertThat(p.supportedTypes()).isNotEmpty().contains(backend().type());
        assertThat(p.supportedTypes()).contains(p.preferredType());
        assertThat(p.name()).isEqualTo(p.name());
        assertThat(p.supportedTypes()).isEqualTo(p.supportedTypes());
        assertThat(p.settingKeys()).isEqualTo(p.settingKeys());
        assertThat(p.settingKeys()).allSatisfy(k -> assertThat(k).isNotBlank().doesNotContain("="));
        assertThat(p.version()).isNotBlank();
        SimHost host = backend().platform().newHost();
        for (IommuType t : p.supportedTypes()) {
            assertThat(p.checkExtension(t.id(), host)).as("CHECK_EXTENSION(%s)", t).isPositive();
        }
    }

    @Test
    default void checkExtensionNeverThrowsAndIsNeverNegative() {
        for (TckPlatform platform : TckPlatform.values()) {
            SimHost host = platform.newHost();
            for (long e : PROBED_EXTENSIONS) {
                assertThat(backend().provider().checkExtension(e, host))
                        .as("CHECK_EXTENSION(%d) on %s", e, platform)
                        .isNotNegative();
            }
        }
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer c = system.container(backend().primaryKind());
            for (long e : PROBED_EXTENSIONS) {
                assertThat(c.checkExtension(system.vmm(), e))
                        .as("container CHECK_EXTENSION(%d)", e)
                        .isNotNegative();
            }
            assertThat(c.checkExtension(system.vmm(), backend().type().id())).isPositive();
        }
    }

    @Test
    default void openOnABareHostLeavesEveryCounterAtZero() {
        try (TckSystem system = TckSystem.start(backend())) {
            TckSpi.Context ctx = TckSpi.Context.of(backend(), system.host());
            VfioIommuDriverOps ops = backend().provider().open(ctx);
            RecordingAudit audit = new RecordingAudit();
            ops.audit(audit);
            BackendState state = ops.state();
            ops.release();
            assertThat(audit.claims).as("audit claims of a fresh container").isEmpty();
            assertThat(state.mappings()).isZero();
            assertThat(state.mappedBytes()).isZero();
            assertThat(state.pinnedPages()).isZero();
            assertThat(state.pinReferences()).isZero();
            assertThat(ctx.events().taints()).isEmpty();
            assertThat(ctx.events().leaks()).isEmpty();
            TckAssertions.assertNothingHeld(system);
        }
    }

    @Test
    default void twoOpensAreIndependent() {
        try (TckSystem system = TckSystem.start(backend())) {
            TckSpi.Context ctx = TckSpi.Context.of(backend(), system.host());
            VfioIommuDriverOps first = backend().provider().open(ctx);
            VfioIommuDriverOps second = backend().provider().open(ctx);
            assertThat(first).isNotSameAs(second);
            BackendState initial = second.state();
            first.release();
            assertThat(second.state()).isEqualTo(initial);
            second.release();
        }
        // Through the runtime: a container's work shows in its state only.
        try (TckSystem system = TckSystem.start(backend())) {
            VfioContainer busy = system.vfio().openContainer();
            system.group(backend().primaryKind(), 1).setContainer(system.vmm(), busy);
            busy.setIommu(backend().provider().name(), backend().type());
            VfioContainer idle = system.vfio().openContainer();
            system.group(backend().primaryKind(), 2).setContainer(system.vmm(), idle);
            idle.setIommu(backend().provider().name(), backend().type());
            BackendState idleBefore = idle.state().orElseThrow();
            if (backend().supports(BackendCapability.DMA_MAPPING)) {
                system.prepareMapping(busy);
                system.map(busy, system.iova(0), 4 * system.pageSize());
                assertThat(busy.state().orElseThrow().mappedBytes()).isPositive();
            }
            system.group(backend().primaryKind(), 1).unsetContainer();
            assertThat(busy.backendName()).isEmpty();
            assertThat(idle.state()).contains(idleBefore);
            assertThat(idle.backendName()).contains(backend().provider().name());
            system.group(backend().primaryKind(), 2).unsetContainer();
            TckAssertions.assertNothingHeld(system);
        }
    }

    @Test
    default void anUndeclaredSettingIsRefusedAtStartUp() {
        String key = "vfio4j.backend." + backend().provider().name() + ".tck-no-such-setting";
        assertThatThrownBy(
                        () ->
                                Vfio.builder()
                                        .configuration(
                                                TckSystem.configuration(
                                                        backend(), Map.of(key, "1")))
                                        .withoutClassPath()
                                        .withoutPluginDirectory()
                                        .addSource(TckSystem.source(backend()))
                                        .build())
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining(key);
    }

    /** The services entries visible next to {@code type}: in its jar or class directory. */
    private static List<String> servicesEntries(Class<?> type) throws IOException {
        String file = "META-INF/services/" + VfioIommuDriverProvider.class.getName();
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        assertThat(cs).as("code source of %s", type.getName()).isNotNull();
        Path location;
        try {
            location = Path.of(cs.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        String text;
        if (Files.isDirectory(location)) {
            Path services = location.resolve(file);
            assertThat(services).as("services file in %s", location).exists();
            text = Files.readString(services, StandardCharsets.UTF_8);
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                ZipEntry entry = jar.getEntry(file);
                assertThat(entry).as("%s in %s", file, location).isNotNull();
                try (InputStream in = jar.getInputStream(entry)) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.replaceAll("#.*", "").trim();
            if (!l.isEmpty()) {
                names.add(l);
            }
        }
        return names;
    }

    /** Collects every claim a backend's audit makes. */
    final class RecordingAudit implements AuditSink {
        final List<String> claims = new ArrayList<>();

        @Override
        public void charged(AddressSpace space, Object shareKey, long pages) {
            if (pages != 0) {
                claims.add("charged " + pages + " to " + space.id());
            }
        }

        @Override
        public void pinned(Object shareKey, long pfn, long pages, long pins) {
            claims.add("pinned " + Arrays.toString(new long[] {pfn, pages, pins}));
        }

        @Override
        public void entries(long live, long available, long limit) {
            if (live != 0) {
                claims.add(live + " live entries");
            }
        }

        @Override
        public void violation(String message) {
            claims.add("violation: " + message);
        }
    }
}
