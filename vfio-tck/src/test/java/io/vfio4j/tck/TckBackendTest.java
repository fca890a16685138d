package io.vfio4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.host.HostView;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Declarations are checked before any suite runs. */
class TckBackendTest {
    private static final VfioIommuDriverProvider NONE =
            new VfioIommuDriverProvider() {
                @Override
                public String name() {
                    return "none";
                }

                @Override
                public SpiVersion spiVersion() {
                    return SpiVersion.of(VfioSpi.MAJOR, VfioSpi.MINOR);
                }

                @Override
                public Set<IommuType> supportedTypes() {
                    return Set.of(IommuType.TYPE1v2);
                }

                @Override
                public int checkExtension(long extension, HostView host) {
                    return 0;
                }

                @Override
                public VfioIommuDriverOps open(DriverContext context) {
                    throw new UnsupportedOperationException();
                }
            };

    @Test
    void aCapabilityWithoutItsRequirementsIsRefused() {
        assertThatThrownBy(
                        () ->
                                TckBackend.builder(NONE, IommuType.TYPE1v2)
                                        .supports(
                                                BackendCapability.GROUP_IOMMU,
                                                BackendCapability.DMA_UNMAP_NOTIFICATION)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "capability DMA_UNMAP_NOTIFICATION requires [EXTERNAL_PINNING], which is"
                                + " not declared");
    }

    @Test
    void aBackendMustTakeSomeGroupKind() {
        assertThatThrownBy(() -> TckBackend.builder(NONE, IommuType.TYPE1v2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("declare at least one group kind");
    }

    @Test
    void refusalsDefaultPerCapabilityAndCanBeOverridden() {
        TckBackend b =
                TckBackend.builder(NONE, IommuType.TYPE1)
                        .supports(BackendCapability.GROUP_EMULATED)
                        .refuses(BackendCapability.EXTERNAL_PINNING, Errno.EACCES)
                        .build();
        assertThat(b.refusal(BackendCapability.EXTERNAL_PINNING)).isEqualTo(Errno.EACCES);
        assertThat(b.refusal(BackendCapability.DMA_MAPPING)).isEqualTo(Errno.ENOTTY);
        assertThat(b.refusal(BackendCapability.GROUP_IOMMU)).isEqualTo(Errno.EINVAL);
        assertThat(b.refusal(BackendCapability.MULTI_GROUP)).isEqualTo(Errno.EBUSY);
        assertThat(b.primaryKind()).isEqualTo(GroupKind.EMULATED);
        assertThat(b.windowedMapping()).isFalse();
    }
}
