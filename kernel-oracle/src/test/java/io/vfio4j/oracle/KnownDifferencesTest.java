package io.vfio4j.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The listed differences explain exactly the cases the kernels showed (docs/oracle.md). */
class KnownDifferencesTest {
    private static Optional<String> explained(String era, ProbeOp op, FieldDiff... diffs) {
        KnownDifference.Case c = new KnownDifference.Case(era, op, List.of(diffs), 0, 0);
        return KnownDifferences.all().stream()
                .filter(d -> d.explains(c))
                .map(KnownDifference::id)
                .findFirst();
    }

    @Test
    void aLeakAtTheLastDetachIsT11OnEveryKernel() {
        ProbeOp detach = ProbeOp.of("d0", "mdev_detach", 0);
        // deviations.ops leak-at-detach: the model un-charges 20 KiB, the kernel keeps them
        assertThat(explained("7.2", detach, new FieldDiff("locked_vm", "-20", "0")))
                .contains("T1-1-LEAK-AT-DETACH");
        // the other way round is no leak
        assertThat(explained("7.2", detach, new FieldDiff("locked_vm", "0", "-20"))).isEmpty();
    }

    @Test
    void anUnalignedPinIsT14AndAnAlignedOneIsNot() {
        FieldDiff errno = new FieldDiff("errno", "EINVAL", "0");
        assertThat(explained("6.12", ProbeOp.of("p", "pin", 0, 0x10000001L, 1, 3, 512), errno))
                .contains("T1-4-UNALIGNED-PIN");
        assertThat(explained("6.12", ProbeOp.of("p", "pin", 0, 0x10000000L, 1, 3, 512), errno))
                .isEmpty();
    }

    @Test
    void aReadPinOfTheZeroPageIsT111On61Only() {
        ProbeOp read = ProbeOp.of("p", "pin", 0, 0x10000000L, 8, 1, 512);
        FieldDiff errno = new FieldDiff("errno", "EINVAL", "0");
        FieldDiff held = new FieldDiff("held0", "0", "8");
        assertThat(explained("6.1", read, errno, held)).contains("T1-11-ZERO-PAGE-PIN-6.1");
        assertThat(explained("6.12", read, errno, held)).isEmpty();
        // a write pin never takes the zero page
        assertThat(explained("6.1", ProbeOp.of("p", "pin", 0, 0x10000000L, 8, 3, 512), errno))
                .isEmpty();
        // a later chunk past the memory: EFAULT there (long fuzzing run, pins-2045 o116)
        assertThat(
                        explained(
                                "6.1",
                                ProbeOp.of("p", "pin", 0, 0x1820000L, 1000, 1, 512),
                                new FieldDiff("errno", "EINVAL", "EFAULT"),
                                new FieldDiff("calls", "1", "2"),
                                new FieldDiff("held0", "0", "512")))
                .contains("T1-11-ZERO-PAGE-PIN-6.1");
    }
}
