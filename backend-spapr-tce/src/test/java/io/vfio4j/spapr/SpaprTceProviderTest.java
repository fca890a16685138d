package io.vfio4j.spapr;

import static io.vfio4j.spapr.SpaprSetup.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.BackendSettings;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.command.CheckExtension;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class SpaprTceProviderTest {
    private final SpaprTceProvider provider = new SpaprTceProvider();
    private final SpaprSetup r = new SpaprSetup();

    @Test
    void describesItself() {
        assertThat(provider.name())
                .isEqualTo("spapr-tce")
                .matches(VfioIommuDriverProvider.NAME_PATTERN);
        assertThat(provider.spiVersion().isLoadableBy(VfioSpi.runtime())).isTrue();
        assertThat(provider.supportedTypes())
                .containsExactlyInAnyOrder(IommuType.SPAPR_TCE, IommuType.SPAPR_TCE_v2);
        assertThat(provider.settingKeys()).containsExactly("external-pinning");
    }

    @Test
    void isFoundByServiceLoader() {
        assertThat(
                        ServiceLoader.load(VfioIommuDriverProvider.class).stream()
                                .map(ServiceLoader.Provider::type))
                .contains(SpaprTceProvider.class);
    }

    @Test
    void checkExtensionAnswersTheSpaprTypesAndEeh() {
        assertThat(provider.checkExtension(2, r.host)).isEqualTo(1);
        assertThat(provider.checkExtension(7, r.host)).isEqualTo(1);
        assertThat(provider.checkExtension(CheckExtension.EEH, r.host)).isEqualTo(1);
        assertThat(provider.checkExtension(1, r.host)).isZero();
        assertThat(provider.checkExtension(3, r.host)).isZero();
        assertThat(provider.checkExtension(-1, r.host)).isZero();
    }

    @Test
    void openRefusesOtherTypesAndMalformedSettings() {
        assertErrno(
                Errno.EINVAL,
                () -> provider.open(TestDriverContext.of(r.host, IommuType.TYPE1v2, false)));
        TestDriverContext bad =
                new TestDriverContext(
                        r.host,
                        IommuType.SPAPR_TCE_v2,
                        new BackendSettings("spapr-tce", Map.of("external-pinning", "maybe")),
                        new TestDriverContext.Events());
        assertThatThrownBy(() -> provider.open(bad))
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessageContaining("external-pinning");
    }
}
