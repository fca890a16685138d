package io.vfio4j.type1;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.host.IommuGroupSpec;
import org.junit.jupiter.api.Test;

/**
 * A mapping charges against its owner's RLIMIT_MEMLOCK as it is at the time of the charge (the
 * kernel's {@code mm_lock_acct} reads {@code task_rlimit(dma->task, RLIMIT_MEMLOCK)}), not as it
 * was at MAP: libvirt raises QEMU's limit with prlimit before a hot plug, and the replay into the
 * new domain must see the raised limit (docs/reference/type1-mdev.md §4.1, "Which RLIMIT").
 */
class LiveRlimitTest {
    private static final long GiB = 1L << 30;

    @Test
    void replayAfterAPrlimitRaiseSeesTheNewLimit() {
        Fixture f = Fixture.builder().memlockPages(100_000).build();
        f.mdev();
        f.map(0, GiB); // mdev-only: nothing is pinned or charged at MAP
        assertThat(f.lv()).isZero();
        TestGroup gpu = f.iommuGroup(IommuGroupSpec.of(1));
        // 262,144 pages to replay against 100,000: refused, nothing left behind.
        Expect.refusedWithoutTrace(f, Errno.ENOMEM, () -> f.ops.attachGroup(gpu));
        // libvirt's prlimit before the hot plug: exactly the 1 GiB the replay needs.
        f.qemu.setMemlockLimitBytes(GiB);
        f.ops.attachGroup(gpu);
        assertThat(f.lv()).isEqualTo(262_144);
    }

    @Test
    void externalPinsChargeAgainstTheLimitOfTheirTime() {
        Fixture f = Fixture.builder().memlockPages(16).build();
        VendorDevice d = f.mdev();
        f.map(0, GiB);
        d.pinMany(0, 16, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(16);
        Expect.errno(Errno.ENOMEM, () -> d.pinMany(16 * 4096L, 1, DmaProt.READ));
        assertThat(f.lv()).isEqualTo(16);
        f.qemu.setMemlockLimitBytes(17 * 4096L);
        d.pinMany(16 * 4096L, 1, DmaProt.READ);
        assertThat(f.lv()).isEqualTo(17);
        // Lowering the limit below what is charged refuses the next charge, keeps the old ones.
        f.qemu.setMemlockLimitBytes(4 * 4096L);
        Expect.errno(Errno.ENOMEM, () -> d.pinMany(17 * 4096L, 1, DmaProt.READ));
        assertThat(f.lv()).isEqualTo(17);
    }
}
