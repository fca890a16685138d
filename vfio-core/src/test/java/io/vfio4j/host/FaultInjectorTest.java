package io.vfio4j.host;

import static io.vfio4j.host.HostAssertions.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.Errno;
import io.vfio4j.host.FaultInjector.FaultSite;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {
    private static final long VA = 0x1000_0000L;

    private final SimHost host = SimHost.builder().build();
    private final FaultInjector faults = host.faults();
    private final SimProcess proc = host.spawnProcess(ProcessSpec.defaults());
    private final SimAddressSpace mm = proc.simAddressSpace().orElseThrow();

    FaultInjectorTest() {
        faults.startCounting();
    }

    @Test
    void theNthPinFailsOnceWithoutPinningAndThenTheInjectorDisarms() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        faults.failNth(3, Errno.EFAULT, FaultSite.PIN);

        mm.pinRun(VA, 1, true);
        mm.pinRun(VA + 4096, 1, true);
        assertErrno(Errno.EFAULT, () -> mm.pinRun(VA + 8192, 1, true));

        assertThat(host.memory().totalPins()).isEqualTo(2);
        assertThat(faults.isArmed()).isFalse();
        mm.pinRun(VA + 8192, 1, true);
        assertThat(host.memory().totalPins()).isEqualTo(3);
        assertThat(faults.hits(FaultSite.PIN)).isEqualTo(4);
    }

    @Test
    void hitsAtOtherSitesDoNotAdvanceTheCountdown() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        faults.failNth(2, Errno.ENOSPC, FaultSite.ALLOCATION);

        mm.pinRun(VA, 1, true);
        mm.pinRun(VA, 1, true);
        host.allocation("vfio_dma");

        assertThat(faults.isArmed()).isTrue();
        assertErrno(Errno.ENOMEM, () -> host.allocation("vfio_pfn"));
        assertThat(faults.hits(FaultSite.PIN)).isEqualTo(2);
        assertThat(faults.hits(FaultSite.ALLOCATION)).isEqualTo(2);
        assertThat(faults.totalHits()).isEqualTo(4);
    }

    @Test
    void withoutSitesEverySiteCounts() {
        proc.mmap(RegionSpec.anonymous(VA, 1 << 20));
        faults.failNth(2, Errno.EINTR);

        host.allocation("first");
        assertErrno(Errno.EINTR, () -> mm.pinRun(VA, 1, false));
        assertThat(host.memory().totalPins()).isZero();
    }

    @Test
    void aPinOnADeadSpaceIsNotAHit() {
        proc.exit();

        assertErrno(Errno.ENODEV, () -> mm.pinRun(VA, 1, false));
        assertThat(faults.hits(FaultSite.PIN)).isZero();
    }

    @Test
    void resetKeepsTheArmingAndDisarmCancelsIt() {
        faults.failNth(2, Errno.ENOMEM, FaultSite.ALLOCATION);
        host.allocation("a");

        faults.resetCounters();

        assertThat(faults.totalHits()).isZero();
        assertThat(faults.isArmed()).isTrue();
        assertErrno(Errno.ENOMEM, () -> host.allocation("b"));

        faults.failNth(1, Errno.ENOMEM);
        faults.disarm();
        host.allocation("c");
        assertThat(faults.isArmed()).isFalse();
    }

    @Test
    void hitsAreNotCountedUntilCountingStarts() {
        FaultInjector fresh = SimHost.builder().build().faults();
        fresh.hit(FaultSite.PIN);
        fresh.failNth(2, Errno.ENOMEM, FaultSite.PIN);
        fresh.hit(FaultSite.PIN);
        assertThat(fresh.totalHits()).isZero();

        fresh.startCounting();
        assertThat(fresh.hit(FaultSite.PIN)).contains(Errno.ENOMEM);
        assertThat(fresh.hit(FaultSite.ALLOCATION)).isEmpty();
        assertThat(fresh.hits(FaultSite.PIN)).isEqualTo(1);
        assertThat(fresh.totalHits()).isEqualTo(2);
    }

    @Test
    void nIsOneBased() {
        assertThatThrownBy(() -> faults.failNth(0, Errno.ENOMEM))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(faults.isArmed()).isFalse();
    }

    @Test
    void exactlyOneOfManyConcurrentHitsFails() throws InterruptedException {
        faults.failNth(5000, Errno.ENOMEM, FaultSite.PIN);
        AtomicInteger failures = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            pool.execute(
                    () -> {
                        for (int i = 0; i < 1000; i++) {
                            Optional<Errno> e = faults.hit(FaultSite.PIN);
                            if (e.isPresent()) {
                                failures.incrementAndGet();
                            }
                        }
                    });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(failures.get()).isEqualTo(1);
        assertThat(faults.hits(FaultSite.PIN)).isEqualTo(8000);
    }
}
