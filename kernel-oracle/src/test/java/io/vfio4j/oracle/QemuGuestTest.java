package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class QemuGuestTest {
    @Test
    void theOperationsFollowTheBaseArchiveAtA512ByteBoundaryAsANewcArchive() {
        byte[] base = new byte[1001];
        Arrays.fill(base, (byte) 7);
        byte[] all = QemuGuest.initrd(base, "scenario s\n");
        assertThat(Arrays.copyOf(all, 1001)).isEqualTo(base);
        assertThat(Arrays.copyOfRange(all, 1001, 1024)).containsOnly(0);
        String cpio = new String(all, 1024, all.length - 1024, StandardCharsets.US_ASCII);
        // 110-byte header: magic, inode, mode (directory 040755), ..., name size 7 ("oracle\0").
        assertThat(cpio).startsWith("070701" + "00000001" + "000041ed");
        assertThat(cpio.substring(94, 102)).isEqualTo("00000007");
        assertThat(cpio.substring(110, 116)).isEqualTo("oracle");
        // The file: regular 0100644, 11 bytes, name "oracle/ops\0" (11), data 4-byte aligned.
        int file = cpio.indexOf("070701", 6);
        assertThat(file % 4).isZero();
        assertThat(cpio.substring(file + 14, file + 22)).isEqualTo("000081a4");
        assertThat(cpio.substring(file + 54, file + 62)).isEqualTo("0000000b");
        int data = cpio.indexOf("scenario s\n");
        assertThat(data % 4).isZero();
        assertThat(cpio).contains("TRAILER!!!");
        assertThat((all.length - 1024) % 4).isZero();
    }

    @Test
    void theGuestHasAnIntelIommuAnE1000eAndTwoSerialPorts() {
        OracleSettings s =
                new OracleSettings(Path.of("/c"), false, false, Duration.ofSeconds(9), 256);
        String cmd =
                String.join(
                        " ",
                        QemuGuest.command(
                                s, Path.of("/k"), Path.of("/i"), Path.of("/con"), Path.of("/res")));
        assertThat(cmd)
                .isEqualTo(
                        "qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 256 -machine q35,kernel-irqchip=split"
                                + " -device intel-iommu,intremap=on,caching-mode=on -device e1000e,netdev=n0"
                                + " -netdev user,id=n0,restrict=on -display none -monitor none"
                                + " -serial file:/con -serial file:/res -no-reboot -kernel /k -initrd /i"
                                + " -append console=ttyS0 intel_iommu=on panic=-1 loglevel=4 no_timer_check");
    }
}
