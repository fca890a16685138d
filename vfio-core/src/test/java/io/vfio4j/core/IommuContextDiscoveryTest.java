package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.host.SimHost;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code Vfio#openIommuContext()} finds a provider by the optional SPI interface only: with no
 * provider implementing it, {@code /dev/iommu} does not exist (ENODEV) and nothing is opened.
 */
class IommuContextDiscoveryTest {
    @Test
    void withoutANativeProviderDevIommuIsEnodev() {
        FakeProvider type1 = new FakeProvider("type1", Set.of(IommuType.TYPE1v2));
        try (Vfio vfio =
                Vfio.builder()
                        .host(SimHost.builder().build())
                        .withoutClassPath()
                        .withoutPluginDirectory()
                        .addSource(
                                () ->
                                        List.of(
                                                DiscoveredBackend.describeBuiltIn(
                                                        type1, "class path: type1.jar")))
                        .build()) {
            assertThatThrownBy(vfio::openIommuContext)
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
            assertThat(vfio.iommuContexts()).isEmpty();
        }
    }
}
