package io.vfio4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.VfioSpi;
import io.vfio4j.api.host.HostView;
import io.vfio4j.core.VfioGroup;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The kit's emulated groups are mdevs of mdev-core's bus, named by UUID. */
class TckSystemMdevTest {
    private static final VfioIommuDriverProvider UNUSED =
            new VfioIommuDriverProvider() {
                @Override
                public String name() {
                    return "unused";
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

    private static TckSystem system() {
        return TckSystem.start(
                TckBackend.builder(UNUSED, IommuType.TYPE1v2)
                        .supports(BackendCapability.GROUP_EMULATED)
                        .build());
    }

    @Test
    void anEmulatedGroupIsTheGroupOfAWellBehavedScriptedMdev() {
        try (TckSystem system = system()) {
            VfioGroup g = system.group(GroupKind.EMULATED, 1);
            MdevDevice d = system.mdev(1);
            assertThat(d.group()).isSameAs(g);
            assertThat(system.group(GroupKind.EMULATED, 1)).isSameAs(g);
            assertThat(g.kind()).isEqualTo(GroupKind.EMULATED);
            assertThat(g.devices()).extracting(x -> x.name()).containsExactly(d.name());
            assertThat(d.uuid()).isEqualTo(TckSystem.mdevUuid(1));
            assertThat(d.type().name()).isEqualTo("tck-vgpu");
            assertThat(d.parent().name()).isEqualTo(TckSystem.MDEV_PARENT);
            assertThat(ScriptedVendor.of(d).behaviour()).isEqualTo(VendorBehaviour.WELL_BEHAVED);
            assertThat(system.vendor(g)).isPresent();
            assertThat(system.mdevType().availableInstances())
                    .isEqualTo(TckSystem.MDEV_INSTANCES - 1);
        }
    }

    @Test
    void theSameUuidInAnotherLetterCaseIsEexistAndLeavesNoTrace() {
        try (TckSystem system = system()) {
            MdevDevice d = system.mdev(1);
            int groups = system.vfio().groups().size();
            String upper = d.name().toUpperCase(Locale.ROOT);
            assertThatThrownBy(() -> system.mdevBus().create(system.mdevType(), upper))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
            assertThatThrownBy(() -> system.mdevBus().create(system.mdevType(), "tck-mdev-2"))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(system.vfio().groups()).hasSize(groups);
            assertThat(system.mdevType().availableInstances())
                    .isEqualTo(TckSystem.MDEV_INSTANCES - 1);
            assertThat(system.mdevBus().devices()).containsExactly(d);
        }
    }
}
