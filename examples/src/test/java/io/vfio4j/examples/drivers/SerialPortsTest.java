package io.vfio4j.examples.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioException;
import io.vfio4j.examples.vm.GuestVm;
import io.vfio4j.examples.vm.ReviewFixture.Mapping;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The mtty-like serial device: dma_rw on type1, no pinning, no locked memory. */
class SerialPortsTest {
    private static final long TX = 0x20_0000;
    private static final long RX = 0x30_0000;

    private GuestVm vm;
    private MdevParent parent;
    private MdevDevice serial;
    private SerialPorts ports;

    @BeforeEach
    void start() {
        vm = GuestVm.builder().build();
        parent =
                vm.mdevBus().registerParent("0000:70:00.0", new SerialDriver(), SerialDriver.TYPES);
        MdevType dual = parent.requireType("mtty-2");
        serial = vm.mdevBus().create(dual, UUID.fromString("0ba5e1a1-0000-4000-8000-000000000001"));
        serial.group().setContainer(vm.qemu(), vm.container());
        vm.container().setIommu("type1", IommuType.TYPE1v2);
        vm.map(Mapping.A);
        serial.group().openDevice(serial.name());
        ports = SerialPorts.of(serial);
    }

    @AfterEach
    void stop() {
        vm.close();
    }

    @Test
    void typesAreNamedLikeMttysAndCountTheirInstances() {
        assertThat(parent.types())
                .extracting(MdevType::name, MdevType::availableInstances)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("mtty-1", 24),
                        org.assertj.core.groups.Tuple.tuple("mtty-2", 11));
        assertThat(ports.ports()).isEqualTo(2);
        assertThat(serial.regionSize()).isEqualTo(2 * SerialPorts.PORT_SIZE);
    }

    @Test
    void theGuestsBytesGoDownTheLineAndTheLinesBytesLandInGuestMemory() {
        byte[] hello = "hello, line 1".getBytes(StandardCharsets.US_ASCII);
        vm.write(TX, hello);
        int port = SerialPorts.PORT_SIZE; // port 1
        serial.regionWrite(port + SerialPorts.TX_IOVA, u64(TX));
        serial.regionWrite(port + SerialPorts.TX_LEN, u32(hello.length));
        serial.regionWrite(port + SerialPorts.TX_GO, u32(1));
        assertThat(ports.transmitted(1)).isEqualTo(hello);
        assertThat(ports.transmitted(0)).isEmpty();

        ports.deliver(1, "early".getBytes(StandardCharsets.US_ASCII)); // no buffer yet: waits
        serial.regionWrite(port + SerialPorts.RX_LEN, u32(64));
        serial.regionWrite(port + SerialPorts.RX_IOVA, u64(RX));
        ports.deliver(1, " bird".getBytes(StandardCharsets.US_ASCII));
        assertThat(u32(serial.regionRead(port + SerialPorts.RX_COUNT, 4))).isEqualTo(10);
        assertThat(new String(vm.read(RX, 10), StandardCharsets.US_ASCII)).isEqualTo("early bird");

        assertThat(vm.lockedVm()).isZero();
    }

    @Test
    void aDmaToAnUnmappedIovaIsReportedInTheErrnoRegister() {
        serial.regionWrite(SerialPorts.TX_IOVA, u64(Mapping.A.size() + 0x1000));
        serial.regionWrite(SerialPorts.TX_LEN, u32(8));
        serial.regionWrite(SerialPorts.TX_GO, u32(1));
        assertThat(u32(serial.regionRead(SerialPorts.ERRNO, 4))).isEqualTo(Errno.EINVAL.number());
        assertThat(ports.transmitted(0)).isEmpty();
    }

    @Test
    void aDeviceWithoutDmaUnmapCallbackMayNotPin() {
        assertThatThrownBy(() -> serial.vfioDevice().pinPages(0, 1, DmaProt.READ, new long[1]))
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(vm.lockedVm()).isZero();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static int u32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
