package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.Platform;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Builds whole simulated systems the way a user would: a host and a {@link Vfio} over it. */
final class Sys {
    static final long KiB = 1024;
    static final long MiB = 1024 * KiB;
    static final long GiB = 1024 * MiB;

    /** True when the long runs were asked for ({@code -Dvfio4j.long=true}). */
    static final boolean LONG = Boolean.getBoolean("vfio4j.long");

    private Sys() {}

    /** An x86 host with IOMMU groups {@code 1..groups}, one device each. */
    static SimHost x86(int groups) {
        SimHost host = SimHost.builder().anonymousRunPages(16).build();
        for (int id = 1; id <= groups; id++) {
            host.addIommuGroup(IommuGroupSpec.of(id));
        }
        return host;
    }

    /** A POWER host (64 KiB pages) with PowerNV IODA2 groups {@code 1..groups}. */
    static SimHost power(int groups) {
        SimHost host = SimHost.builder().platform(Platform.POWER).eeh(true).build();
        for (int id = 1; id <= groups; id++) {
            host.addIommuGroup(
                    IommuGroupSpec.builder()
                            .id(id)
                            .driver(PowerNvTableGroup.IODA2)
                            .tceTableGroup(PowerNvTableGroup.ioda2())
                            .build());
        }
        return host;
    }

    /** A runtime over {@code host} with every backend on the class path and the checker on. */
    static Vfio vfio(SimHost host, String... keyValues) {
        Map<String, String> cfg = new HashMap<>();
        cfg.put(VfioConfiguration.CHECK_INVARIANTS, "true");
        for (int i = 0; i < keyValues.length; i += 2) {
            cfg.put(keyValues[i], keyValues[i + 1]);
        }
        return Vfio.builder()
                .host(host)
                .withoutPluginDirectory()
                .configuration(VfioConfiguration.of(cfg))
                .build();
    }

    static void assertErrno(ThrowingCallable call, Errno errno) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }
}
