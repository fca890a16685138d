package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model side of the test vendor driver's operations, with the numbers the kernels gave for the
 * same lists (mdev/pinning.ops, mdev/cases.ops), worked by hand.
 */
class ModelMdevsTest {
    static final String EMULATED =
            "rl rlimit unlimited\nmm mmap 0x1000000000 0x1000000 rw\n"
                    + "u0 mdev_use 0 0\na0 mdev_attach 0\ns set_iommu 3\no0 mdev_open 0\n"
                    + "m map 0x1000000000 0x10000000 0x1000000 3 32\n";

    static ScenarioResults run(String ops) {
        return new ModelProbe("6.12", 2).run(ModelProbeTest.scenario(ops));
    }

    @Test
    void pinsChargeEachPageOnceInChunksAndTheUnmapNotifiesOnce() {
        ScenarioResults r =
                run(
                        EMULATED
                                + "p pin 0 0x10000000 600 3 512\n"
                                + "again pin 0 0x10000000 8 3 512\n"
                                + "un unpin 0 0x10000000 8 512\n"
                                + "x unmap 0x10000000 0x1000000 0 24 0\n");
        // 600 pages in calls of 512 and 88: 2,400 KiB, 600 references.
        assertThat(r.result("p").orElseThrow().lockedKb()).isEqualTo(2400);
        assertThat(r.result("p").orElseThrow().values())
                .containsEntry("calls", "2")
                .containsEntry("held0", "600")
                .containsEntry("cb0", "0");
        // The same 8 pages again: references only.
        assertThat(r.result("again").orElseThrow().lockedKb()).isEqualTo(2400);
        assertThat(r.result("again").orElseThrow().values()).containsEntry("held0", "608");
        assertThat(r.result("un").orElseThrow().values()).containsEntry("held0", "600");
        // One callback for the whole mapping; the well-behaved driver unpins everything in it.
        assertThat(r.result("x").orElseThrow().lockedKb()).isZero();
        assertThat(r.result("x").orElseThrow().values())
                .containsEntry("unmapped", "0x1000000")
                .containsEntry("held0", "0")
                .containsEntry("cb0", "1");
    }

    @Test
    void refusedPinsAndAClosedDeviceAnswerAsTheKernelDid() {
        ScenarioResults r =
                run(
                        EMULATED
                                + "zero pin 0 0x10000000 0 3 512\n"
                                + "big pin 0 0x10000000 513 3 513\n"
                                + "out pin 0 0x20000000 1 3 512\n"
                                + "c0 mdev_close 0\n"
                                + "late pin 0 0x10000000 1 3 512\n");
        assertThat(r.result("zero").orElseThrow().errno()).isEqualTo("EINVAL");
        assertThat(r.result("big").orElseThrow().errno()).isEqualTo("E2BIG");
        assertThat(r.result("out").orElseThrow().errno()).isEqualTo("EINVAL");
        // The probe has no descriptor any more: ioctl(-1) is EBADF.
        assertThat(r.result("late").orElseThrow().errno()).isEqualTo("EBADF");
        assertThat(r.result("late").orElseThrow().values())
                .doesNotContainKey("held0")
                .containsEntry("calls", "1");
    }

    @Test
    void aLeakingDriversPinsAreReleasedAtTheLastDetachInTheModel() {
        ScenarioResults r =
                run(
                        "rl rlimit unlimited\nmm mmap 0x1000000000 0x1000000 rw\n"
                                + "u0 mdev_use 0 1\na0 mdev_attach 0\ns set_iommu 3\no0 mdev_open 0\n"
                                + "m map 0x1000000000 0x10000000 0x1000000 3 32\n"
                                + "p pin 0 0x10000000 5 3 512\nc0 mdev_close 0\nd0 mdev_detach 0\n");
        // 5 pages, 20 KiB, stay charged after the close; the model un-charges them at the detach
        // (deviation T1-1; the kernels keep 20 KiB: mdev/cases.ops H).
        assertThat(r.result("c0").orElseThrow().lockedKb()).isEqualTo(20);
        assertThat(r.result("d0").orElseThrow().lockedKb()).isZero();
    }

    @Test
    void aDriverThatIgnoresUnmapsEndsTheScenarioInAKernelBug() {
        ScenarioResults r =
                run(
                        EMULATED.replace("mdev_use 0 0", "mdev_use 0 2")
                                + "p pin 0 0x10000000 1 3 512\n"
                                + "x unmap 0x10000000 0x1000000 0 24 0\n"
                                + "after unpin 0 0x10000000 1 512\n");
        assertThat(r.result("x").orElseThrow().errno()).isEqualTo("KERNEL_BUG");
        assertThat(r.result("after")).isEmpty();
    }

    @Test
    void theMdevOperationsNeedTheVendorGuestAndNameOneOfItsTwoMdevs() {
        assertThat(ProbeProgram.parse("t", "scenario s\np pin 1 0 1 3 512\n").usesMdev()).isTrue();
        assertThat(ProbeProgram.parse("t", "scenario s\na attach\n").usesMdev()).isFalse();
        assertThatThrownBy(() -> ProbeProgram.parse("t", "scenario s\np pin 2 0 1 3 512\n"))
                .isInstanceOf(OracleInputException.class)
                .hasMessage("t:2:1: pin: the guest's test mdev is 0 or 1");
        assertThat(ModelMdevs.MODES).hasSize(4);
        assertThat(List.of("mdev_use", "pin", "unpin", "pt_open"))
                .allMatch(ProbeOp.MDEV_OPS::contains);
    }
}
