package io.vfio4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfio4j.api.DriverContext;
import io.vfio4j.api.Errno;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioConfigurationException;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.command.CheckExtension;
import io.vfio4j.api.command.GetInfo;
import io.vfio4j.api.host.HostView;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Providers that throw, answer null or block, given through a test source: each is refused at
 * discovery with a message naming where it came from, or fails only its own operation at run time;
 * no stack trace, no harm to the other backends.
 */
class HostileProviderTest {
    private static final String ORIGIN = "plugins/evil.jar";

    private final SimHost host = SimHost.builder().build();
    private final FakeProvider good = new FakeProvider("good", Set.of(IommuType.TYPE1v2));

    HostileProviderTest() {
        host.addIommuGroup(IommuGroupSpec.builder().id(7).devices(List.of("0000:01:00.0")).build());
        host.addIommuGroup(IommuGroupSpec.builder().id(8).devices(List.of("0000:02:00.0")).build());
        host.addIommuGroup(IommuGroupSpec.builder().id(9).devices(List.of("0000:03:00.0")).build());
    }

    private Vfio vfio(Map<String, String> config, BackendSource... sources) {
        Vfio.Builder b =
                Vfio.builder()
                        .host(host)
                        .withoutClassPath()
                        .withoutPluginDirectory()
                        .configuration(VfioConfiguration.of(config));
        for (BackendSource s : sources) {
            b.addSource(s);
        }
        return b.build();
    }

    private Vfio withEvil(FakeProvider evil) {
        return vfio(
                Map.of(VfioConfiguration.BACKENDS, evil.name + ",good"),
                new FixedSource(ORIGIN, evil),
                new FixedSource("test", good));
    }

    private static void assertRefused(ThrowingCallable build, String message) {
        assertThatThrownBy(build)
                .isInstanceOf(VfioConfigurationException.class)
                .hasMessage(message);
    }

    private static void assertErrno(ThrowingCallable call, Errno errno, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioException.class, e -> assertThat(e.errno()).isEqualTo(errno))
                .hasMessage(message);
    }

    // ---- discovery ----

    @Test
    void aDescriptionThatThrowsOrAnswersNullRefusesTheProviderNamingItsOrigin() {
        FakeProvider throwsName =
                new FakeProvider("x", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public String name() {
                        throw new IllegalStateException("no name today");
                    }
                };
        assertRefused(
                () -> vfio(Map.of(), new FixedSource(ORIGIN, throwsName)),
                "IOMMU backend "
                        + throwsName.getClass().getName()
                        + " (plugins/evil.jar) refused: name() failed: no name today");
        FakeProvider nullTypes =
                new FakeProvider("x", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public Set<IommuType> supportedTypes() {
                        return null;
                    }
                };
        assertRefused(
                () -> vfio(Map.of(), new FixedSource(ORIGIN, nullTypes)),
                "IOMMU backend "
                        + nullTypes.getClass().getName()
                        + " (plugins/evil.jar) refused: supportedTypes() returned null");
        FakeProvider nullSpi =
                new FakeProvider("x", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public SpiVersion spiVersion() {
                        return null;
                    }
                };
        assertRefused(
                () -> vfio(Map.of(), new FixedSource(ORIGIN, nullSpi)),
                "IOMMU backend "
                        + nullSpi.getClass().getName()
                        + " (plugins/evil.jar) refused: spiVersion() returned null");
        FakeProvider wrongPreferred =
                new FakeProvider("x", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public IommuType preferredType() {
                        return IommuType.SPAPR_TCE;
                    }
                };
        assertRefused(
                () -> vfio(Map.of(), new FixedSource(ORIGIN, wrongPreferred)),
                "IOMMU backend "
                        + wrongPreferred.getClass().getName()
                        + " (plugins/evil.jar) refused: preferredType() answered SPAPR_TCE, not"
                        + " one of [TYPE1v2]");
    }

    @Test
    void aProviderThatBlocksInDiscoveryIsRefusedAfterTheTimeoutOnADaemonThread() {
        CountDownLatch never = new CountDownLatch(1);
        Thread[] blocked = new Thread[1];
        FakeProvider blocks =
                new FakeProvider("x", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public Set<String> settingKeys() {
                        blocked[0] = Thread.currentThread();
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return Set.of();
                    }
                };
        BackendSource source =
                new BackendSource() {
                    @Override
                    public List<DiscoveredBackend> discover() {
                        return List.of(DiscoveredBackend.describe(blocks, ORIGIN));
                    }

                    @Override
                    public String inProgress() {
                        return ORIGIN;
                    }
                };
        long start = System.nanoTime();
        assertRefused(
                () ->
                        vfio(
                                Map.of(VfioConfiguration.DISCOVERY_TIMEOUT, "200ms"),
                                source,
                                new FixedSource("test", good)),
                "IOMMU backend discovery did not finish within 200 ms"
                        + " (vfio4j.plugin.discovery-timeout): plugins/evil.jar is blocked;"
                        + " refused");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(blocked[0].isDaemon()).isTrue();
        never.countDown();
    }

    @Test
    void theDiscoveryTimeoutIsValidated() {
        assertThat(VfioConfiguration.defaults().discoveryTimeout())
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(
                        VfioConfiguration.of(Map.of(VfioConfiguration.DISCOVERY_TIMEOUT, "2"))
                                .discoveryTimeout())
                .isEqualTo(Duration.ofSeconds(2));
        assertRefused(
                () ->
                        vfio(
                                Map.of(VfioConfiguration.DISCOVERY_TIMEOUT, "0s"),
                                new FixedSource("test", good)),
                "vfio4j.plugin.discovery-timeout = '0s' (from explicit) is not a positive"
                        + " duration such as 5s or 500ms");
    }

    // ---- run time ----

    @Test
    void aCheckExtensionThatThrowsAnswersZeroForThatBackendOnly() {
        FakeProvider evil =
                new FakeProvider("evil", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public int checkExtension(long extension, HostView host) {
                        throw new IllegalStateException("boom");
                    }
                };
        try (Vfio vfio = withEvil(evil)) {
            SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            assertThat(c.checkExtension(qemu, IommuType.TYPE1v2.id())).isEqualTo(1);
            vfio.group(7).setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("good");
            assertThat(vfio.warnings())
                    .containsExactly(
                            "IOMMU backend evil (plugins/evil.jar) failed in checkExtension(3):"
                                    + " boom",
                            "IOMMU backend evil (plugins/evil.jar) failed in checkExtension(3):"
                                    + " boom");
        }
    }

    @Test
    void anOpenThatThrowsOrReturnsNullIsPassedOverAndAloneEndsInEnodev() {
        FakeProvider throwsOnOpen =
                new FakeProvider("evil", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public VfioIommuDriverOps open(DriverContext context) {
                        throw new UnsupportedOperationException();
                    }
                };
        try (Vfio vfio = withEvil(throwsOnOpen)) {
            SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            vfio.group(7).setContainer(qemu, c);
            c.setIommu(IommuType.TYPE1v2);
            assertThat(c.backendName()).contains("good");
            assertThat(vfio.warnings())
                    .containsExactly(
                            "IOMMU backend evil (plugins/evil.jar) failed in open(TYPE1v2): it"
                                    + " threw without a message");
        }
        FakeProvider nullOps =
                new FakeProvider("evil", Set.of(IommuType.TYPE1v2)) {
                    @Override
                    public VfioIommuDriverOps open(DriverContext context) {
                        return null;
                    }
                };
        try (Vfio vfio = vfio(Map.of(), new FixedSource(ORIGIN, nullOps))) {
            SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
            VfioContainer c = vfio.openContainer();
            vfio.group(7).setContainer(qemu, c);
            assertThatThrownBy(() -> c.setIommu(IommuType.TYPE1v2))
                    .isInstanceOfSatisfying(
                            VfioException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
            assertThat(c.backendName()).isEmpty();
            assertThat(vfio.warnings())
                    .containsExactly(
                            "IOMMU backend evil (plugins/evil.jar) failed in open(TYPE1v2): it"
                                    + " returned null");
        }
    }

    /** Ops whose every call but detach and release can be made to throw. */
    private static FakeProvider brokenOps(String what) {
        return new FakeProvider("evil", Set.of(IommuType.TYPE1v2)) {
            @Override
            public VfioIommuDriverOps open(DriverContext context) {
                VfioIommuDriverOps real = super.open(context);
                return new VfioIommuDriverOps() {
                    @Override
                    public void attachGroup(io.vfio4j.api.VfioGroupHandle group) {
                        if (what.equals("attach") && group.id() == 8) {
                            throw new NullPointerException("attach lost its way");
                        }
                        real.attachGroup(group);
                    }

                    @Override
                    public void detachGroup(io.vfio4j.api.VfioGroupHandle group) {
                        real.detachGroup(group);
                        if (what.equals("detach")) {
                            throw new IllegalStateException("detach exploded");
                        }
                    }

                    @Override
                    public <R> R execute(
                            io.vfio4j.api.host.Task caller,
                            io.vfio4j.api.command.VfioCommand<R> command) {
                        if (what.equals("execute")) {
                            throw new ArrayIndexOutOfBoundsException("index 9 out of bounds");
                        }
                        if (what.equals("null") && command instanceof CheckExtension) {
                            return null;
                        }
                        return real.execute(caller, command);
                    }

                    @Override
                    public io.vfio4j.api.BackendState state() {
                        return what.equals("state") ? null : real.state();
                    }

                    @Override
                    public void audit(io.vfio4j.api.AuditSink sink) {
                        real.audit(sink);
                    }

                    @Override
                    public void release() {
                        real.release();
                    }
                };
            }
        };
    }

    private record Rig(Vfio vfio, SimProcess qemu, VfioContainer evil, VfioContainer other) {}

    /** Container 1 on the broken backend, container 2 on the good one, both with a group. */
    private Rig rig(String what) {
        Vfio vfio =
                vfio(
                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true"),
                        new FixedSource(ORIGIN, brokenOps(what)),
                        new FixedSource("test", good));
        SimProcess qemu = host.spawnProcess(ProcessSpec.builder().build());
        VfioContainer evil = vfio.openContainer();
        vfio.group(7).setContainer(qemu, evil);
        evil.setIommu("evil", IommuType.TYPE1v2);
        VfioContainer other = vfio.openContainer();
        vfio.group(9).setContainer(qemu, other);
        other.setIommu("good", IommuType.TYPE1v2);
        return new Rig(vfio, qemu, evil, other);
    }

    @Test
    void anExecuteThatThrowsFailsThatIoctlWithEioAndNoOtherContainer() {
        Rig r = rig("execute");
        try (Vfio vfio = r.vfio()) {
            assertErrno(
                    () -> r.evil().ioctl(r.qemu(), GetInfo.full()),
                    Errno.EIO,
                    "EIO: IOMMU backend evil (plugins/evil.jar) failed in"
                            + " execute(VFIO_IOMMU_GET_INFO): index 9 out of bounds");
            assertThat(r.other().checkExtension(r.qemu(), IommuType.TYPE1v2.id())).isEqualTo(1);
            assertThat(r.evil().backendName()).contains("evil");
        }
    }

    @Test
    void aNullCheckExtensionAnswerAndANullStateAreEio() {
        Rig r = rig("null");
        try (Vfio vfio = r.vfio()) {
            assertErrno(
                    () -> r.evil().checkExtension(r.qemu(), 3),
                    Errno.EIO,
                    "EIO: IOMMU backend evil (plugins/evil.jar) failed in"
                            + " execute(VFIO_CHECK_EXTENSION): it returned null");
        }
        Rig s = rig("state");
        try (Vfio vfio = s.vfio()) {
            assertErrno(
                    () -> s.evil().state(),
                    Errno.EIO,
                    "EIO: IOMMU backend evil (plugins/evil.jar) failed in state: it returned"
                            + " null");
            assertThat(s.other().state()).isPresent();
        }
    }

    @Test
    void anAttachThatThrowsIsEioAndTheGroupStaysOut() {
        Rig r = rig("attach");
        try (Vfio vfio = r.vfio()) {
            assertErrno(
                    () -> vfio.group(8).setContainer(r.qemu(), r.evil()),
                    Errno.EIO,
                    "EIO: IOMMU backend evil (plugins/evil.jar) failed in attachGroup(8): attach"
                            + " lost its way");
            assertThat(vfio.group(8).container()).isEmpty();
            assertThat(r.evil().groups()).extracting(VfioGroup::id).containsExactly(7);
        }
    }

    @Test
    void aDetachThatThrowsStillDetachesReleasesAndWarns() {
        Rig r = rig("detach");
        try (Vfio vfio = r.vfio()) {
            vfio.group(7).unsetContainer();
            assertThat(r.evil().groups()).isEmpty();
            assertThat(r.evil().backendName()).isEmpty();
            assertThat(vfio.warnings())
                    .containsExactly(
                            "IOMMU backend evil (plugins/evil.jar) failed in detachGroup(7):"
                                    + " detach exploded");
        }
    }
}
