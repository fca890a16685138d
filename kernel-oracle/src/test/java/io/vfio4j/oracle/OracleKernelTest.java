package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OracleKernelTest {
    @Test
    void kernelsByEra() {
        assertThat(OracleKernel.parse("all"))
                .containsExactly(OracleKernel.V6_1, OracleKernel.V6_12, OracleKernel.V7_2);
        assertThat(OracleKernel.parse("7.2, 6.1,7.2"))
                .containsExactly(OracleKernel.V7_2, OracleKernel.V6_1);
        assertThat(OracleKernel.V6_12.suite()).isEqualTo("trixie");
        assertThatThrownBy(() -> OracleKernel.parse("6.6"))
                .hasMessage("unknown kernel '6.6': use 6.1, 6.12, 7.2 or all");
    }

    @Test
    void theFetchRecordIsRead() {
        FetchedKernel k =
                KernelFetcher.read(
                        OracleKernel.V7_2,
                        Path.of("/c/sid"),
                        "SUITE=sid\nPACKAGE=linux-image-7.2.13+deb14-amd64\nVERSION=7.2.13-1\n"
                                + "RELEASE=7.2.13+deb14-amd64\nVMLINUZ=/c/sid/root/usr/lib/modules/7.2.13+deb14-amd64/vmlinuz\n");
        assertThat(k.version()).isEqualTo("7.2.13-1");
        assertThat(k.release()).isEqualTo("7.2.13+deb14-amd64");
        assertThat(k.root()).isEqualTo(Path.of("/c/sid/root"));
        assertThatThrownBy(
                        () -> KernelFetcher.read(OracleKernel.V6_1, Path.of("/c/b"), "PACKAGE=x\n"))
                .isInstanceOf(OracleException.class)
                .hasMessage(
                        "/c/b/kernel.env has no VERSION: fetch again with -Dvfio4j.oracle.refresh=true");
    }

    @Test
    void aMissingToolIsNamedWithTheInstallCommand() {
        assertThat(HostTools.PROGRAMS)
                .contains("qemu-system-x86_64", "gcc", "busybox", "cpio", "depmod", "zstd");
        assertThat(HostTools.INSTALL).contains("qemu-system-x86", "busybox-static", "kmod");
    }
}
